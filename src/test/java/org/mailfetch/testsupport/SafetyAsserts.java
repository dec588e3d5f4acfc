package org.mailfetch.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;

/** The data-safety contract as assertions over Maildir files and the server's mailbox. */
public final class SafetyAsserts {

    private SafetyAsserts() {}

    /** The subjects of the messages still in the user's POP3 mailbox. */
    public static List<String> subjectsOnServer(Pop3Server pop3, GreenMailUser user) throws Exception {
        List<String> out = new ArrayList<>();
        for (StoredMessage m : pop3.greenMail().getManagers().getImapHostManager().getInbox(user).getMessages()) {
            out.add(m.getMimeMessage().getSubject());
        }
        return out;
    }

    /** How many delivered files carry the subject. */
    public static long copies(List<String> files, String subject) {
        return files.stream().filter(f -> f.contains("\nSubject: " + subject + "\n")).count();
    }

    /** Every expected subject in exactly one Maildir file, and no other file. */
    public static void assertDeliveredOnce(MailfetchFixture fixture, Collection<String> expected) throws Exception {
        List<String> files = fixture.delivered();
        for (String subject : expected) {
            assertEquals(1, copies(files, subject), "exactly one Maildir file with " + subject);
        }
        assertEquals(expected.size(), files.size(), "one Maildir file per message");
    }

    /**
     * Nothing lost, nothing twice: each message is in the Maildir at most once, and every message gone
     * from the server is in the Maildir.
     */
    public static void assertNothingLostNothingTwice(MailfetchFixture fixture, Pop3Server pop3, GreenMailUser user,
                                                     Collection<String> sent) throws Exception {
        List<String> files = fixture.delivered();
        List<String> onServer = subjectsOnServer(pop3, user);
        for (String subject : sent) {
            long n = copies(files, subject);
            assertTrue(n <= 1, subject + " delivered " + n + " times");
            assertTrue(n == 1 || onServer.contains(subject), subject + " is neither delivered nor on the server");
        }
    }
}
