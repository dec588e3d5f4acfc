package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.testsupport.Clamd;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.Scanning;

/** Anti-virus against a real clamd whose only signature detects the EICAR test string. */
class VirusCheckIT {

    private static Clamd clamd;

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser remote;
    private MailfetchFixture fixture;

    @BeforeAll
    static void startClamd() throws Exception {
        clamd = Clamd.start();
    }

    @AfterAll
    static void stopClamd() throws Exception {
        if (clamd != null) {
            clamd.close();
        }
    }

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        remote = pop3.user("bob", "secret");
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
        pop3.close();
    }

    private MailfetchFixture open(String... keyValues) {
        if (fixture != null) {
            fixture.close();
        }
        Properties p = new Properties();
        p.setProperty("mailfetch.antivirus.host", clamd.host());
        p.setProperty("mailfetch.antivirus.port", String.valueOf(clamd.port()));
        p.setProperty("mailfetch.antivirus.timeout", "20s");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        fixture = new MailfetchFixture(dataDir, p);
        return fixture;
    }

    @Test
    void clamdShouldFindEicarOverTcpAndTheUnixSocketAndPassCleanMail() throws Exception {
        Path eicar = Files.writeString(dataDir.resolve("eicar.eml"), "Subject: t\n\n" + Clamd.EICAR + "\n");
        Path clean = Files.writeString(dataDir.resolve("clean.eml"), "Subject: t\n\nhello\n");
        for (ClamdClient client : List.of(ClamdClient.tcp(clamd.host(), clamd.port(), Duration.ofSeconds(20)),
                ClamdClient.unix(clamd.socket(), Duration.ofSeconds(20)))) {
            assertEquals(Clamd.SIGNATURE, client.scan(eicar).signature(), client.describe());
            assertNull(client.scan(clean).signature(), client.describe());
        }
    }

    @Test
    void eicarShouldBeQuarantinedWithItsSignatureAndTheOwnerNotifiedWhileCleanMailIsDelivered() throws Exception {
        open();
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", false, true);
        String infected = pop3.deliver(remote, "invoice " + System.nanoTime(), "see attached\n" + Clamd.EICAR + "\n");
        String clean = pop3.deliver(remote, "lunch " + System.nanoTime(), "at noon?\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, s.quarantined(), s.line());
        assertEquals(1, s.delivered(), s.line());
        assertEquals(0, pop3.remaining(remote));
        assertEquals(2, fixture.ledgerSize(a.id()));

        QuarantineItem item = Scanning.quarantine(fixture).list().get(0);
        assertEquals("virus", item.kind());
        assertEquals(Clamd.SIGNATURE, item.reason());
        assertEquals(infected, item.subject());
        assertTrue(Files.readString(Scanning.quarantine(fixture).dir().resolve(item.fileName())).contains(Clamd.EICAR));

        List<String> inbox = fixture.delivered();
        assertEquals(2, inbox.size(), "the clean message and the notice");
        assertTrue(inbox.stream().anyMatch(m -> m.contains("Subject: " + clean)));
        String notice = inbox.stream().filter(m -> m.contains("Subject: Virus found")).findFirst().orElseThrow();
        assertTrue(notice.contains(Clamd.SIGNATURE) && notice.contains(infected) && notice.contains("sender@example.org"),
                notice);
        assertFalse(notice.contains(Clamd.EICAR), "the notice does not carry the virus");
        assertTrue(inbox.stream().noneMatch(m -> m.contains(Clamd.EICAR)));
    }

    @Test
    void theUnixSocketShouldWorkLikeTcp() throws Exception {
        open("mailfetch.antivirus.socket", clamd.socket().toString(), "mailfetch.antivirus.port", "1");
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", false, true);
        pop3.deliver(remote, "invoice " + System.nanoTime(), Clamd.EICAR + "\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(1, s.quarantined(), s.line());
        assertEquals(Clamd.SIGNATURE, Scanning.quarantine(fixture).list().get(0).reason());
    }

    @Test
    void clamdDownShouldLeaveMailOnTheServerAndTheNextSessionDeliversItOnceClamdIsBack() throws Exception {
        open();
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", false, true);
        String subject = pop3.deliver(remote, "lunch " + System.nanoTime(), "at noon?\n");
        clamd.stopProcess();
        SessionSummary down;
        try {
            down = fixture.fetch(a.id());
        } finally {
            clamd.launch();
        }

        assertEquals(1, down.deferred(), down.line());
        assertEquals(1, pop3.remaining(remote), "left on the server");
        assertEquals(0, fixture.ledgerSize(a.id()));
        String why = fixture.services().status().get(a.id()).lastError();
        assertTrue(why != null && why.contains("clamd at 127.0.0.1:"), String.valueOf(why));

        open(); // clamd came back on a new port
        SessionSummary up = fixture.fetch(a.id());

        assertEquals(1, up.delivered(), up.line());
        assertEquals(0, pop3.remaining(remote));
        assertTrue(fixture.delivered().get(0).contains("Subject: " + subject));
    }

    @Test
    void mailLongerThanClamdsStreamMaxLengthShouldBeDeliveredWithASizeHeaderNotDeferred() throws Exception {
        try (Clamd strict = Clamd.start("2K")) {
            open("mailfetch.antivirus.port", String.valueOf(strict.port()));
            Account a = Scanning.addAccount(fixture, pop3.port(), "bob", false, true);
            pop3.deliver(remote, "big " + System.nanoTime(), "x".repeat(200_000) + "\n");

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(1, s.delivered(), s.line());
            assertTrue(fixture.delivered().get(0).startsWith("X-Mailfetch-Account: bob\nX-Mailfetch-Scan: skipped (size)\n"));
        }
    }

    @Test
    void mailLargerThanTheMaxScanSizeShouldBeDeliveredUnscannedWithASizeHeader() throws Exception {
        open("mailfetch.antivirus.max-scan-size", "100");
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", false, true);
        pop3.deliver(remote, "big " + System.nanoTime(), "x".repeat(300) + "\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(1, s.delivered(), s.line());
        assertTrue(fixture.delivered().get(0).startsWith("X-Mailfetch-Account: bob\nX-Mailfetch-Scan: skipped (size)\n"));
    }
}
