package org.mailfetch.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one {@link HostilePop3Server} does wrong: at most one connection-level {@link Fault} (it lasts
 * until {@link HostilePop3Server#heal()}) and the messages in its maildrop, each with a {@link Quirk}
 * that belongs to the message and so never heals.
 */
public record Pop3Scenario(Fault fault, List<Message> messages) {

    /** Misbehaviour of the server itself, on every connection until healed. */
    public enum Fault {
        NONE,
        /** The greeting is "+OK " and then an endless line (no CRLF). */
        ENDLESS_GREETING,
        /** The reply to USER is "+OK " and then an endless line. */
        ENDLESS_OK_LINE,
        /** Every byte the server sends, from the greeting on, comes one per second. */
        SLOW_LORIS,
        /** STAT claims 2147483647 messages; LIST and UIDL list the real ones. */
        STAT_HUGE,
        /** The UIDL listing goes on after the real messages, "n uid-n" for ever (no terminating "."). */
        ENDLESS_UIDL,
        /** The first UIDL entry's message number is "xx". */
        NON_NUMERIC_UIDL,
        /** The first LIST entry's message number is "xx". */
        NON_NUMERIC_LIST,
        /** Every DELE is answered -ERR and deletes nothing. */
        DELE_ERR,
        /** QUIT gets no answer: the server drops the connection and applies no DELE. */
        DROP_AT_QUIT,
        /** PASS is answered "-ERR [IN-USE] …" (RFC 2449): another session holds the maildrop. */
        LOGIN_IN_USE,
        /** PASS is answered "-ERR [SYS/TEMP] …" (RFC 3206): a temporary server problem. */
        LOGIN_SYS_TEMP
    }

    /** Misbehaviour that belongs to one message: it is there on every connection. */
    public enum Quirk {
        NONE,
        /** LIST gives the real (small) size; RETR streams {@link HostilePop3Server#INFLATED_BYTES} more. */
        INFLATED,
        /** RETR sends the message without a CRLF before the final ".", then nothing: it never ends. */
        UNTERMINATED,
        /** RETR sends the message (2 KB) one byte per second. */
        SLOW,
        /** The body holds a lone "." line the server does not dot-stuff: the client sees a shorter message than LIST says. */
        TRUNCATED
    }

    /** What a correct client does with a message. */
    public enum Expect {
        /** Delivered exactly once, at the latest in the session after the server heals. */
        DELIVERED,
        /** Never delivered and never deleted: it stays on the server. */
        KEPT,
        /** Delivered once, or left on the server undeleted; never twice, never deleted undelivered. */
        EITHER
    }

    /**
     * One message: its subject identifies it in the Maildir; two subjects of one length make messages
     * of one size (a reused UIDL with the same LIST size is the hard case). {@code arrivesAfterSession} 0 means it is
     * there from the start; k means it appears once the test's k-th session has ended.
     */
    public record Message(String subject, String uidl, Quirk quirk, Expect expect, int arrivesAfterSession) {

        public static Message good(String subject, String uidl) {
            return new Message(subject, uidl, Quirk.NONE, Expect.DELIVERED, 0);
        }

        public static Message bad(String subject, String uidl, Quirk quirk) {
            return new Message(subject, uidl, quirk, Expect.KEPT, 0);
        }

        /** A message a client may refuse (e.g. for its unusable UIDL) as long as it leaves it on the server. */
        public static Message tolerated(String subject, String uidl) {
            return new Message(subject, uidl, Quirk.NONE, Expect.EITHER, 0);
        }

        public Message arrivingAfterSession(int k) {
            return new Message(subject, uidl, quirk, expect, k);
        }

        /** The message as stored, CRLF line endings, not yet dot-stuffed. */
        public byte[] content() {
            StringBuilder body = new StringBuilder("body of " + subject + "\r\n");
            if (quirk == Quirk.TRUNCATED) {
                body.append(".\r\nthe rest, lost to the unstuffed dot\r\n");
            }
            if (quirk == Quirk.SLOW) {
                body.append(("slow line " + "s".repeat(60) + "\r\n").repeat(30));
            }
            String text = "From: sender@example.org\r\nTo: bob@pop.example.net\r\nSubject: " + subject + "\r\n"
                    + "Message-ID: <" + String.format("%08x", subject.hashCode()) + "@hostile.example>\r\n\r\n" + body;
            return text.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    public Pop3Scenario {
        messages = List.copyOf(messages);
    }

    public static Pop3Scenario of(Fault fault, Message... messages) {
        return new Pop3Scenario(fault, Arrays.asList(messages));
    }

    /** {@code n} good messages "good 1" … "good n" with UIDLs "uid-1" … "uid-n", plus {@code more}. */
    public static Pop3Scenario goodMessages(Fault fault, int n, Message... more) {
        List<Message> all = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            all.add(Message.good("good " + i, "uid-" + i));
        }
        all.addAll(Arrays.asList(more));
        return new Pop3Scenario(fault, all);
    }

    public List<String> subjects(Expect expect) {
        return messages.stream().filter(m -> m.expect() == expect).map(Message::subject).toList();
    }
}
