package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;

/**
 * End to end with GreenMail: a catch-all external POP3 box holding mail for three local users and
 * one routed domain, whose SMTP server is a GreenMail SMTP on 127.0.0.1.
 */
class RecipientsFetchTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMail smtp;
    private MailfetchFixture fixture;
    private GreenMailUser box;

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        fixture = new MailfetchFixture(dataDir);
        for (String m : List.of("bob", "carol", "dave")) {
            fixture.services().directory().addMailbox(m + "@example.com");
        }
        fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", smtp.getSmtp().getPort(), false, null, null);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        smtp.stop();
        pop3.close();
    }

    @Test
    void catchAllBoxShouldDeliverEachMessageToExactlyTheRightMailboxesAndTheRouteOnce() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        String toBob = subject();
        String toCarolAndDave = subject();
        String toBobAndPartner = subject();
        String toPartner = subject();
        RoutedMail.put(box, toBob, "Delivered-To: box@pop.example.net\nTo: bob@example.com");
        RoutedMail.put(box, toCarolAndDave, "To: carol@example.com\nCc: Dave <DAVE@example.com>, dave+x@example.com");
        RoutedMail.put(box, toBobAndPartner, "To: bob@example.com, Yann <yann@partner.example>");
        RoutedMail.put(box, toPartner, "To: zoe@partner.example");

        SessionSummary s = fixture.fetch(a.id());
        int sent = RoutedMail.deliverOutbox(fixture, Clock.systemUTC());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(4, s.delivered(), s.line());
        assertEquals(java.util.Map.of("maildir", 4, "smtp", 2), s.copiesByTarget(),
                "bob twice, carol, dave once each (two addresses, one mailbox); yann and zoe via the outbox");
        assertEquals(0, pop3.remaining(box), "every message is durable: the server copies are deleted");
        assertSubjects("bob@example.com", toBob, toBobAndPartner);
        assertSubjects("carol@example.com", toCarolAndDave);
        assertSubjects("dave@example.com", toCarolAndDave);
        assertSubjects(MailfetchFixture.OWNER);
        assertEquals(2, sent, "two outbox entries");
        MimeMessage[] routed = smtp.getReceivedMessages();
        assertEquals(2, routed.length, "one SMTP copy per routed recipient, none for local ones");
        assertEquals(List.of(toBobAndPartner), subjectsOf(smtp.getReceivedMessagesForDomain("yann@partner.example")));
        assertEquals(List.of(toPartner), subjectsOf(smtp.getReceivedMessagesForDomain("zoe@partner.example")));
        assertTrue(GreenMailUtil.getWholeMessage(routed[0]).contains("X-Mailfetch-Routed: account=" + a.id()),
                "the routed copy carries the loop-protection trace header");

        assertEquals(0, fixture.fetch(a.id()).downloaded());
        assertEquals(0, RoutedMail.deliverOutbox(fixture, Clock.systemUTC()), "nothing is sent twice");
        assertEquals(2, smtp.getReceivedMessages().length);
    }

    @Test
    void bccRecipientKnownOnlyFromDeliveredToShouldGetItAndToRecipientsNoDuplicates() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        String subject = subject();
        // the external server stored one copy per envelope recipient; dave was Bcc'd
        for (String envelope : List.of("bob", "carol", "dave")) {
            RoutedMail.put(box, subject, "Delivered-To: " + envelope + "@example.com\nTo: bob@example.com, carol@example.com");
        }

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(3, s.delivered(), s.line());
        assertSubjects("bob@example.com", subject);
        assertSubjects("carol@example.com", subject);
        assertSubjects("dave@example.com", subject);
        assertSubjects(MailfetchFixture.OWNER);
    }

    @Test
    void routeRecipientsOffShouldNotRouteAndGiveTheMessageToTheOwner() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
        String subject = subject();
        RoutedMail.put(box, subject, "To: yann@partner.example");

        fixture.fetch(a.id());
        RoutedMail.deliverOutbox(fixture, Clock.systemUTC());

        assertSubjects(MailfetchFixture.OWNER, subject);
        assertEquals(0, smtp.getReceivedMessages().length);
        assertEquals(List.of(), fixture.services().outbox().list());
    }

    @Test
    void messageWithoutLocalRecipientShouldGoToTheOwner() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        String subject = subject();
        RoutedMail.put(box, subject, "Delivered-To: box@pop.example.net\nTo: someone@elsewhere.org");

        fixture.fetch(a.id());

        assertSubjects(MailfetchFixture.OWNER, subject);
        assertSubjects("bob@example.com");
        assertEquals(0, pop3.remaining(box));
    }

    @Test
    void messageThatThisAccountRoutedBeforeShouldGoToTheOwnerNotOutAgain() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        String subject = subject();
        RoutedMail.put(box, subject, "X-Mailfetch-Routed: account=" + a.id() + "; route=partner.example\n"
                + "To: yann@partner.example");

        fixture.fetch(a.id());
        RoutedMail.deliverOutbox(fixture, Clock.systemUTC());

        assertSubjects(MailfetchFixture.OWNER, subject);
        assertEquals(0, smtp.getReceivedMessages().length);
    }

    private void assertSubjects(String mailbox, String... subjects) throws Exception {
        List<String> found = fixture.delivered(mailbox).stream()
                .map(f -> f.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElse("?").substring(9))
                .sorted().toList();
        assertEquals(List.of(subjects).stream().sorted().toList(), found, "subjects in " + mailbox);
    }

    private static List<String> subjectsOf(MimeMessage[] messages) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (MimeMessage m : messages) {
            out.add(m.getSubject());
        }
        return out;
    }

    private static String subject() {
        return "s-" + UUID.randomUUID();
    }
}
