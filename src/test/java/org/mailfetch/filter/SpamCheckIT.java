package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
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
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.Scanning;
import org.mailfetch.testsupport.Spamd;

/** Anti-spam against a real spamd (private instance, local tests only). */
class SpamCheckIT {

    private static final String HAM = "Hi Alice,\n\nthe project meeting moves to Friday at ten, same room as last week.\n"
            + "Please bring the printed budget figures.\n\nRegards,\nBob\n";

    private static Spamd spamd;

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser remote;
    private MailfetchFixture fixture;

    @BeforeAll
    static void startSpamd() throws Exception {
        spamd = Spamd.start();
    }

    @AfterAll
    static void stopSpamd() throws Exception {
        if (spamd != null) {
            spamd.close();
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

    private MailfetchFixture open(int spamdPort, String... keyValues) {
        if (fixture != null) {
            fixture.close();
        }
        Properties p = new Properties();
        p.setProperty("mailfetch.antispam.host", spamd.host());
        p.setProperty("mailfetch.antispam.port", String.valueOf(spamdPort));
        p.setProperty("mailfetch.antispam.timeout", "20s");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        fixture = new MailfetchFixture(dataDir, p);
        return fixture;
    }

    @Test
    void spamdShouldScoreGtubeAsSpamAndAPlainMessageAsHam() throws Exception {
        SpamdClient client = new SpamdClient(spamd.host(), spamd.port(), Duration.ofSeconds(20));
        Path gtube = Files.writeString(dataDir.resolve("gtube.eml"), "From: x@example.org\nSubject: t\n\n" + Spamd.GTUBE + "\n");
        Path ham = Files.writeString(dataDir.resolve("ham.eml"), "From: bob@example.org\nTo: alice@example.com\n"
                + "Subject: meeting\nDate: Mon, 3 Mar 2025 10:00:00 +0100\nMessage-ID: <1@example.org>\n\n" + HAM);

        SpamdClient.Verdict spam = client.check(gtube);
        SpamdClient.Verdict clean = client.check(ham);

        assertTrue(spam.score() >= 900, "GTUBE scores about 1000: " + spam);
        assertTrue(spam.rules().contains("GTUBE"), spam.rules().toString());
        assertEquals(5.0, spam.threshold());
        assertTrue(clean.score() < 5.0, "ham: " + clean);
    }

    @Test
    void gtubeAboveDeleteScoreShouldBeQuarantinedAndHamDeliveredWithSpamHeaders() throws Exception {
        open(spamd.port());
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
        String spamSubject = pop3.deliver(remote, "cheap " + System.nanoTime(), Spamd.GTUBE + "\n");
        String hamSubject = pop3.deliver(remote, "meeting " + System.nanoTime(), HAM);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, s.delivered(), s.line());
        assertEquals(1, s.quarantined(), s.line());
        assertEquals(2, s.deleted(), "quarantined mail is recorded, so its server copy may go: " + s.line());
        assertEquals(0, pop3.remaining(remote));
        assertEquals(2, fixture.ledgerSize(a.id()));
        List<String> inbox = fixture.delivered();
        assertEquals(1, inbox.size());
        assertTrue(inbox.get(0).contains("Subject: " + hamSubject));
        assertTrue(inbox.get(0).startsWith("X-Mailfetch-Account: bob\nX-Spam-Flag: NO\nX-Spam-Score: "), inbox.get(0));
        assertTrue(inbox.get(0).contains("\nX-Spam-Status: No, score="), inbox.get(0));

        List<QuarantineItem> held = Scanning.quarantine(fixture).list();
        assertEquals(1, held.size());
        QuarantineItem item = held.get(0);
        assertEquals("spam", item.kind());
        assertTrue(item.reason().startsWith("spam score "), item.reason());
        assertEquals(spamSubject, item.subject());
        assertEquals("sender@example.org", item.sender());
        assertEquals(MailfetchFixture.OWNER, item.ownerAddress());
        String kept = Files.readString(Scanning.quarantine(fixture).dir().resolve(item.fileName()));
        assertTrue(kept.contains(Spamd.GTUBE) && kept.contains("X-Spam-Flag: YES\n"), kept);

        Path released = Scanning.quarantine(fixture).release(item.id());
        assertTrue(Files.readString(released).contains(Spamd.GTUBE));
        assertEquals(2, fixture.delivered().size());
        assertTrue(Scanning.quarantine(fixture).list().isEmpty());
        assertFalse(Files.exists(Scanning.quarantine(fixture).dir().resolve(item.fileName())));
    }

    @Test
    void spamBetweenMarkAndDeleteScoreShouldGoToTheJunkFolder() throws Exception {
        open(spamd.port(), "mailfetch.antispam.delete-score", "5000");
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
        String subject = pop3.deliver(remote, "cheap " + System.nanoTime(), Spamd.GTUBE + "\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(1, s.delivered(), s.line());
        assertTrue(fixture.delivered().isEmpty(), "nothing in the inbox");
        List<String> junk = Scanning.messages(Scanning.junk(fixture));
        assertEquals(1, junk.size());
        assertTrue(junk.get(0).startsWith("X-Mailfetch-Account: bob\nX-Spam-Flag: YES\nX-Spam-Score: "), junk.get(0));
        assertTrue(junk.get(0).contains("X-Spam-Status: Yes, score=") && junk.get(0).contains("GTUBE"), junk.get(0));
        assertTrue(junk.get(0).contains("Subject: " + subject));
        assertTrue(Files.isRegularFile(Scanning.junk(fixture).resolve("maildirfolder")), "Maildir++ folder marker");
        assertEquals(0, pop3.remaining(remote));
    }

    @Test
    void spamdDownShouldLeaveMailOnTheServerUntilANextSessionCanScanIt() throws Exception {
        open(Scanning.closedPort());
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
        String subject = pop3.deliver(remote, "meeting " + System.nanoTime(), HAM);

        SessionSummary down = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, down.result(), down.line());
        assertEquals(1, down.deferred(), down.line());
        assertEquals(0, down.delivered());
        assertEquals(1, pop3.remaining(remote), "left on the server");
        assertEquals(0, fixture.ledgerSize(a.id()));
        assertTrue(fixture.delivered().isEmpty());
        String why = fixture.services().status().get(a.id()).lastError();
        assertNotNull(why, "the account status says why");
        assertTrue(why.contains("deferred") && why.contains("spamd at 127.0.0.1:"), why);

        open(spamd.port());
        SessionSummary up = fixture.fetch(a.id());

        assertEquals(1, up.delivered(), up.line());
        assertEquals(0, pop3.remaining(remote));
        assertTrue(fixture.delivered().get(0).contains("Subject: " + subject));
        assertTrue(fixture.delivered().get(0).contains("X-Spam-Flag: NO"));
    }

    @Test
    void acceptPolicyShouldDeliverUnscannedMailWithASkippedHeaderWhenSpamdTimesOutWaitingOnlyOnce() throws Exception {
        try (ServerSocket silent = Scanning.silentServer()) {
            open(silent.getLocalPort(), "mailfetch.scanner-unavailable", "accept", "mailfetch.antispam.timeout", "3s");
            Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
            for (int i = 0; i < 4; i++) {
                pop3.deliver(remote, "meeting " + i + " " + System.nanoTime(), HAM);
            }

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(4, s.delivered(), s.line());
            for (String file : fixture.delivered()) {
                assertTrue(file.startsWith("X-Mailfetch-Account: bob\nX-Mailfetch-Scan: skipped (spamd at 127.0.0.1:"), file);
                assertFalse(file.contains("X-Spam-Flag"));
            }
            // after the first timeout the others do not wait 3 s each (that would be 12 s)
            assertTrue(Duration.between(s.start(), s.end()).toSeconds() < 9, s.line());
        }
    }

    @Test
    void quarantinePolicyShouldHoldUnscannedMailWhenSpamdIsDown() throws Exception {
        open(Scanning.closedPort(), "mailfetch.scanner-unavailable", "quarantine");
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
        pop3.deliver(remote, "meeting " + System.nanoTime(), HAM);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(1, s.quarantined(), s.line());
        assertEquals(0, pop3.remaining(remote));
        QuarantineItem item = Scanning.quarantine(fixture).list().get(0);
        assertEquals("unscanned", item.kind());
        assertTrue(item.reason().contains("spamd at 127.0.0.1:"), item.reason());
    }

    @Test
    void mailLargerThanTheMaxScanSizeShouldBeDeliveredUnscannedWithASizeHeader() throws Exception {
        open(spamd.port(), "mailfetch.antispam.max-scan-size", "200");
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
        pop3.deliver(remote, "big " + System.nanoTime(), Spamd.GTUBE + "\n" + "x".repeat(500) + "\n");

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(1, s.delivered(), s.line());
        String file = fixture.delivered().get(0);
        assertTrue(file.startsWith("X-Mailfetch-Account: bob\nX-Mailfetch-Scan: skipped (size)\n"), file);
        assertFalse(file.contains("X-Spam-"));
    }
}
