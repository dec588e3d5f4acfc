package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.fetch.pop3.Pop3Client;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;

/**
 * RETR pipelining (RFC 2449 PIPELINING) against a scripted server: several RETRs go out before the
 * first reply only when CAPA announces PIPELINING; a connection cut, a -ERR or a slow answer in the
 * middle of the pipeline loses nothing, delivers nothing twice and deletes nothing undelivered; and
 * every reply read is the reply to the command it is taken for.
 */
@Timeout(120)
class Pop3PipeliningTest {

    private static final int N = 8;

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore().with("mailfetch.fetch.read-timeout", "2s");

    private final List<String> subjects = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 1; i <= N; i++) {
            String subject = "pipelined " + i;
            // a dot-stuffed line in each: a reply read as another's would show up in the files
            store.server().add("u" + i, subject, "body of " + subject + "\r\n.a dotted line of " + i);
            subjects.add(subject);
        }
    }

    private void announcePipelining() {
        store.server().overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n"));
    }

    /** Answers RETR as the standard server does. */
    private static boolean retr(ScriptedPop3.Session s, String args, java.io.OutputStream out) throws IOException {
        return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n");
    }

    /**
     * Holds the first RETR reply of each connection until more commands have arrived, or half a
     * second (under the client's read timeout) has passed; records whether they had.
     */
    private AtomicBoolean moreCommandsBeforeFirstReply() {
        AtomicBoolean seen = new AtomicBoolean();
        AtomicInteger retrs = new AtomicInteger();
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (retrs.incrementAndGet() == 1) {
                for (int i = 0; i < 50 && !s.in.ready(); i++) {
                    sleep(10);
                }
                seen.set(s.in.ready());
            }
            return retr(s, args, out);
        });
        return seen;
    }

    private Account account(DeleteMode delete) {
        return store.fixture().addAccount("pipelined", store.server().port(), "u", "p", delete);
    }

    @Test
    void aServerAnnouncingPipeliningShouldGetSeveralRetrsAtOnceAndEveryMessageDeliveredOnceAndDeleted() throws Exception {
        announcePipelining();
        AtomicBoolean pipelined = moreCommandsBeforeFirstReply();
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertTrue(pipelined.get(), "RETRs were sent before the first reply: " + store.server().received);
        assertDeliveredOnce(subjects);
        assertEquals(N, s.deleted(), s.line());
        assertEquals(List.of(), store.server().messages, "every delivered message is deleted");
        assertEquals(N, store.server().count("RETR"), "each message asked for once: " + store.server().received);
    }

    @Test
    void aServerWithoutPipeliningShouldGetOneCommandAtATime() throws Exception {
        AtomicBoolean pipelined = moreCommandsBeforeFirstReply();
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertFalse(pipelined.get(), "no command before the first RETR's reply: " + store.server().received);
        assertDeliveredOnce(subjects);
        assertEquals(List.of(), store.server().messages);
    }

    @Test
    void aConnectionCutBetweenPipelinedRepliesShouldRefetchTheRestOnANewConnectionAndLoseNothing() throws Exception {
        announcePipelining();
        AtomicInteger retrs = new AtomicInteger();
        // the first connection answers RETR 1 and 2 and drops while the later RETRs are in flight
        store.server().overrides.put("RETR", (s, args, out) -> retrs.incrementAndGet() == 3 ? false : retr(s, args, out));
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), "the rest is fetched on a new connection: " + s.line());
        assertDeliveredOnce(subjects);
        assertEquals(List.of(), store.server().messages, "deleted after delivery, on the new connection");
    }

    @Test
    void aConnectionCutInsideAPipelinedMessageShouldFailOnlyItAndTheNextSessionShouldDeliverIt() throws Exception {
        announcePipelining();
        AtomicInteger retrs = new AtomicInteger();
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (retrs.incrementAndGet() == 3) {
                String text = s.msg(args).text();
                ScriptedPop3.write(out, "+OK\r\n" + text.substring(0, text.length() / 2));
                return false;
            }
            return retr(s, args, out);
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary cut = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, cut.result(), cut.line());
        assertEquals(N - 1, cut.delivered(), cut.line());
        assertEquals(N - 1, store.fixture().delivered().size(), "half a message never reaches the Maildir");
        assertEquals(List.of("pipelined 3"), serverSubjects(), "only the cut message stays on the server");

        SessionSummary next = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertEquals(1, next.downloaded(), next.line());
        assertDeliveredOnce(subjects);
        assertEquals(List.of(), store.server().messages);
    }

    @Test
    void anErrInTheMiddleOfThePipelineShouldFailThatMessageAloneAndKeepTheOtherRepliesInStep() throws Exception {
        announcePipelining();
        AtomicInteger refusals = new AtomicInteger();
        store.server().overrides.put("RETR", (s, args, out) -> args.trim().equals("4") && refusals.incrementAndGet() == 1
                ? ScriptedPop3.write(out, "-ERR [IN-USE] message 4 is locked\r\n") : retr(s, args, out));
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary first = store.fixture().fetch(a.id());

        assertEquals(N - 1, first.delivered(), first.line());
        assertEquals(List.of("pipelined 4"), serverSubjects(), "the refused message stays, the others are deleted");
        List<String> others = new ArrayList<>(subjects);
        others.remove("pipelined 4");
        assertDeliveredOnce(others);

        SessionSummary next = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertDeliveredOnce(subjects);
        assertEquals(List.of(), store.server().messages);
    }

    @Test
    void aSlowServerAnnouncingPipeliningShouldStillDeliverEveryMessageInStep() throws Exception {
        announcePipelining();
        // each reply comes well inside the read timeout, but long after the RETRs behind it went out
        store.server().overrides.put("RETR", (s, args, out) -> {
            sleep(100);
            return retr(s, args, out);
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertDeliveredOnce(subjects);
        assertEquals(List.of(), store.server().messages);
    }

    @Test
    void aServerThatDropsCommandsSentAheadShouldBeFetchedOneCommandAtATimeAfterward() throws Exception {
        announcePipelining();
        // announces PIPELINING but throws away whatever arrived with the first RETR of a connection
        java.util.Set<ScriptedPop3.Session> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (seen.add(s)) {
                sleep(200);
                while (s.in.ready()) {
                    s.in.readLine();
                }
            }
            return retr(s, args, out);
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), "the lost reply's message is retried on a new connection,"
                + " and from then on one command at a time: " + s.line());
        assertDeliveredOnce(subjects);
        assertEquals(List.of(), store.server().messages);
    }

    @Test
    void aDeleAfterRetrsLeftInFlightShouldReadItsOwnReplyNotARetrs() throws Exception {
        announcePipelining();
        try (Pop3Client c = Pop3Client.open(new Pop3Client.Endpoint("127.0.0.1", store.server().port(), Security.NONE, null,
                Duration.ofSeconds(5), Duration.ofSeconds(2)), Long.MAX_VALUE)) {
            c.login("u", "p");
            c.sendRetr(1, 1 << 20, -1);
            c.sendRetr(2, 1 << 20, -1);
            c.sendRetr(3, 1 << 20, -1);
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            c.retrieve(2, second, 1 << 20); // out of order: RETR 1's reply is read and thrown away

            assertTrue(second.toString(StandardCharsets.ISO_8859_1).contains("Subject: pipelined 2\r\n"), second.toString());
            assertTrue(c.delete(5).ok(), "DELE's own +OK, after RETR 3's reply was read and thrown away");
            assertTrue(c.quit().ok());
        }
        assertEquals(List.of("RETR 1", "RETR 2", "RETR 3", "DELE 5", "QUIT"),
                store.server().received.subList(store.server().received.indexOf("RETR 1"), store.server().received.size()));
        assertFalse(serverSubjects().contains("pipelined 5"), "DELE 5 applied at QUIT");
        assertEquals(N - 1, store.server().messages.size());
    }

    private List<String> serverSubjects() {
        List<String> out = new ArrayList<>();
        for (ScriptedPop3.Msg m : store.server().messages) {
            out.add(m.text().lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9));
        }
        return out;
    }

    /** Exactly one Maildir file per expected subject, each with its own body and its dot unstuffed. */
    private void assertDeliveredOnce(List<String> expected) throws IOException {
        List<String> got = new ArrayList<>();
        for (String file : store.fixture().delivered()) {
            String subject = file.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9);
            assertTrue(file.contains("\nbody of " + subject + "\n.a dotted line of " + subject.substring(10) + "\n"),
                    "the file of " + subject + " holds its own body:\n" + file);
            assertFalse(file.contains("\r"), "Maildir files have LF line ends");
            got.add(subject);
        }
        assertEquals(expected.stream().sorted().toList(), got.stream().sorted().toList());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
