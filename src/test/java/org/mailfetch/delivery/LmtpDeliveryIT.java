package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import com.icegreen.greenmail.user.GreenMailUser;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;

/**
 * LMTP delivery into a real, private Dovecot (its LMTP on a loopback port): the message is readable
 * over Dovecot's own POP3 afterwards; per-recipient replies are honoured.
 */
class LmtpDeliveryIT {

    private static final String PASSWORD = "lmtp-secret";

    @AutoClose
    static Dovecot dovecot;

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private String domain;

    @BeforeAll
    static void startDovecot() throws IOException {
        dovecot = Dovecot.start();
    }

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        domain = "d" + UUID.randomUUID().toString().substring(0, 8) + ".example";
        fixture.services().directory().addDomain(domain, null, LmtpTarget.parse("127.0.0.1:" + dovecot.lmtpPort()));
        fixture.services().directory().addMailbox("carol@example.com");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void lmtpDomainShouldDeliverIntoDovecotReadableOverItsPop3() throws Exception {
        String bob = "bob@" + domain;
        dovecot.addUser(bob, PASSWORD);
        fixture.services().directory().addMailbox(bob);
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
        RoutedMail.put(box, "over lmtp", "To: " + bob + ", carol@example.com\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(java.util.Map.of("lmtp", 1, "maildir", 1), s.copiesByTarget());
        assertEquals(0, pop3.remaining(box));
        assertEquals(1, dovecot.messageCount(bob), dovecot.logTail(20));
        String read = readOverPop3(bob);
        assertTrue(read.contains("Subject: over lmtp"), read);
        assertTrue(read.contains("X-Mailfetch-Account: catch-all"), "trace header on top:\n" + read);
        assertEquals(1, fixture.delivered("carol@example.com").size(), "the Maildir recipient as well");
    }

    @Test
    void deferredLmtpRecipientShouldKeepTheMessageOnTheServerAndGetItNextTimeWithoutDuplicates() throws Exception {
        String bob = "bob@" + domain;
        dovecot.addUser(bob, PASSWORD);
        fixture.services().directory().addMailbox(bob);
        String down = "e" + domain;
        String dave = "dave@" + down;
        dovecot.addUser(dave, PASSWORD);
        LocalDirectory d = fixture.services().directory();
        d.addDomain(down, null, LmtpTarget.parse("127.0.0.1:" + closedPort()));
        d.addMailbox(dave);
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
        RoutedMail.put(box, "partly deferred", "To: " + bob + ", " + dave + ", carol@example.com\n");

        SessionSummary first = fixture.fetch(a.id());

        assertEquals(1, first.deferred(), first.line());
        assertEquals(1, pop3.remaining(box), "not deleted while a recipient lacks it");
        assertEquals(1, dovecot.messageCount(bob));
        assertEquals(0, dovecot.messageCount(dave));
        assertEquals(1, fixture.delivered("carol@example.com").size());

        d.updateDomain(down, Optional.empty(), Optional.of(LmtpTarget.parse("127.0.0.1:" + dovecot.lmtpPort())));
        SessionSummary second = fixture.fetch(a.id());

        assertEquals(1, second.delivered(), second.line());
        assertEquals(0, pop3.remaining(box));
        assertEquals(1, dovecot.messageCount(dave), "the deferred recipient has it now");
        assertEquals(1, dovecot.messageCount(bob), "no second copy over LMTP");
        assertEquals(1, fixture.delivered("carol@example.com").size(), "no second Maildir copy");
    }

    @Test
    void recipientTheStoreRefusesShouldFallBackToTheOwner() throws Exception {
        String ghost = "ghost@" + domain;                 // a mailbox here, unknown to Dovecot: 5xx
        fixture.services().directory().addMailbox(ghost);
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
        RoutedMail.put(box, "refused", "To: " + ghost + "\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(1, s.delivered(), s.line());
        assertEquals(0, pop3.remaining(box));
        assertEquals(1, fixture.delivered().size(), "the owner has it");
    }

    private static String readOverPop3(String user) throws Exception {
        Properties p = new Properties();
        p.setProperty("mail.pop3.host", dovecot.host());
        p.setProperty("mail.pop3.port", String.valueOf(dovecot.pop3Port()));
        Store store = Session.getInstance(p).getStore("pop3");
        store.connect(user, PASSWORD);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message[] messages = inbox.getMessages();
            assertEquals(1, messages.length);
            var out = new java.io.ByteArrayOutputStream();
            messages[0].writeTo(out);
            inbox.close(false);
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            store.close();
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
