package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;

/**
 * mailfetch against a real, private Dovecot POP3 server: every delete mode, and each connection
 * security (none, SSL, STARTTLS) with the server's self-signed certificate trusted through the
 * account's configuration — never by turning verification off.
 */
class DovecotFetchIT {

    private static final String PASSWORD = "pop-secret";

    @AutoClose
    static Dovecot dovecot;

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    /** A fresh Dovecot user per test (Dovecot test users are immutable). */
    private String user;

    @BeforeAll
    static void startDovecot() throws IOException {
        dovecot = Dovecot.start();
    }

    @BeforeEach
    void setUp() throws IOException {
        fixture = new MailfetchFixture(dataDir);
        user = "u" + UUID.randomUUID().toString().substring(0, 8);
        dovecot.addUser(user, PASSWORD);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void deleteImmediatelyShouldDeliverEveryMessageAndEmptyTheMailbox() throws Exception {
        List<String> subjects = deliver(3);
        Account a = fixture.addAccount("dovecot", dovecot.pop3Port(), user, PASSWORD, DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.delivered(), s.line());
        assertEquals(3, s.deleted(), s.line());
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
        assertTrue(fixture.delivered().get(0).startsWith("X-Mailfetch-Account: dovecot\n"), "trace header on top");
        assertFalse(loggedInOverTls(), "Security.NONE must not use TLS:\n" + dovecot.logTail(20));
        assertEquals(3, fixture.ledgerSize(a.id()), "rows stay until a listing shows the messages gone");

        SessionSummary next = fixture.fetch(a.id());
        assertOk(next);
        assertEquals(0, next.downloaded(), next.line());
        assertEquals(0, fixture.ledgerSize(a.id()), "rows of messages gone from the server are purged");
        assertDeliveredOnce(subjects);
    }

    @Test
    void deleteNeverShouldLeaveTheMailboxAloneAndNotDownloadTwice() throws Exception {
        List<String> subjects = deliver(3);
        Account a = fixture.addAccount("dovecot", dovecot.pop3Port(), user, PASSWORD, DeleteMode.NEVER);

        SessionSummary first = fixture.fetch(a.id());
        String late = deliver(1).get(0);
        SessionSummary second = fixture.fetch(a.id());

        assertOk(first);
        assertOk(second);
        assertEquals(3, first.delivered(), first.line());
        assertEquals(1, second.downloaded(), "only the message that arrived in between: " + second.line());
        assertEquals(0, first.deleted() + second.deleted());
        assertEquals(4, dovecot.messageCount(user));
        subjects.add(late);
        assertDeliveredOnce(subjects);
        assertEquals(4, fixture.ledgerSize(a.id()));
    }

    @Test
    void deleteAfterDaysShouldCountFromFirstDownload() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-10T08:00:00Z"));
        List<String> subjects = deliver(3);
        Account a = fixture.addAccount("dovecot", dovecot.pop3Port(), user, PASSWORD, DeleteMode.parse("after-days:2"));

        SessionSummary day0 = fixture.fetch(a.id(), clock);
        assertOk(day0);
        assertEquals(3, day0.delivered(), day0.line());
        assertEquals(0, day0.deleted(), day0.line());

        subjects.addAll(deliver(1));
        clock.advance(Duration.ofDays(1));
        SessionSummary day1 = fixture.fetch(a.id(), clock);
        assertOk(day1);
        assertEquals(1, day1.downloaded(), day1.line());
        assertEquals(0, day1.deleted(), day1.line());
        assertEquals(4, dovecot.messageCount(user));

        clock.advance(Duration.ofDays(1));
        SessionSummary day2 = fixture.fetch(a.id(), clock);
        assertOk(day2);
        assertEquals(0, day2.downloaded(), day2.line());
        assertEquals(3, day2.deleted(), "the first three are due, the late one is not: " + day2.line());
        assertEquals(1, dovecot.messageCount(user));
        assertEquals(4, fixture.ledgerSize(a.id()), "deleted rows are purged only after the next listing");

        clock.advance(Duration.ofDays(1));
        SessionSummary day3 = fixture.fetch(a.id(), clock);
        assertOk(day3);
        assertEquals(1, day3.deleted(), day3.line());
        assertEquals(0, dovecot.messageCount(user));
        assertEquals(1, fixture.ledgerSize(a.id()));

        assertOk(fixture.fetch(a.id(), clock));
        assertEquals(0, fixture.ledgerSize(a.id()));
        assertDeliveredOnce(subjects);
    }

    @Test
    void sslWithTheTrustedCertificateShouldFetchAndDelete() throws Exception {
        List<String> subjects = deliver(3);
        Account a = fixture.addAccount("dovecot-ssl", Security.SSL, dovecot.pop3sPort(), certificatePem(), user,
                PASSWORD, DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.delivered(), s.line());
        assertEquals(3, s.deleted(), s.line());
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
        assertEquals(3, fixture.ledgerSize(a.id()));
        assertTrue(loggedInOverTls(), "Dovecot logged no TLS login for " + user + ":\n" + dovecot.logTail(20));
    }

    @Test
    void sslWithoutTrustInTheCertificateShouldFailWithATlsErrorAndTouchNothing() throws Exception {
        deliver(2);
        Account a = fixture.addAccount("dovecot-ssl", Security.SSL, dovecot.pop3sPort(), null, user, PASSWORD,
                DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertTlsFailure(a, s);
        assertEquals(2, dovecot.messageCount(user));
    }

    @Test
    void starttlsWithTheTrustedCertificateShouldUpgradeThePlainPort() throws Exception {
        List<String> subjects = deliver(3);
        Account a = fixture.addAccount("dovecot-stls", Security.STARTTLS, dovecot.pop3Port(), certificatePem(), user,
                PASSWORD, DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.delivered(), s.line());
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
        assertEquals(3, fixture.ledgerSize(a.id()));
        assertTrue(loggedInOverTls(), "Dovecot logged no TLS login for " + user + ":\n" + dovecot.logTail(20));
    }

    @Test
    void starttlsWithoutTrustShouldFailAndNeverFallBackToPlaintext() throws Exception {
        deliver(2);
        Account a = fixture.addAccount("dovecot-stls", Security.STARTTLS, dovecot.pop3Port(), null, user, PASSWORD,
                DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertTlsFailure(a, s);
        assertEquals(2, dovecot.messageCount(user));
        assertFalse(loginLines().stream().anyMatch(l -> l.contains("Login: user=<" + user + ">")),
                "the password must not have been sent after the failed handshake:\n" + dovecot.logTail(20));
    }

    private void assertTlsFailure(Account a, SessionSummary s) throws IOException {
        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertNotNull(s.error(), s.line());
        assertTrue(s.error().startsWith("TLS failed"), "summary should name the TLS failure: " + s.line());
        AccountStatus status = fixture.services().status().get(a.id());
        assertEquals("failed", status.lastResult());
        assertTrue(status.lastError() != null && status.lastError().startsWith("TLS failed"),
                "status should record the TLS failure: " + status.lastError());
        assertEquals(0, s.downloaded(), s.line());
        assertEquals(List.of(), fixture.delivered());
        assertEquals(0, fixture.ledgerSize(a.id()));
    }

    /** Delivers {@code n} small messages with unique subjects to the test user; returns the subjects. */
    private List<String> deliver(int n) throws IOException {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String subject = "dovecot " + user + " " + UUID.randomUUID();
            String text = "From: sender@example.net\n"
                    + "To: " + user + "@example.org\n"
                    + "Subject: " + subject + "\n"
                    + "Message-ID: <" + UUID.randomUUID() + "@example.net>\n"
                    + "\n"
                    + "Body of " + subject + ".\n"
                    + ".a line that POP3 dot-stuffs\n";
            dovecot.deliver(user, text.getBytes(StandardCharsets.US_ASCII));
            subjects.add(subject);
        }
        return subjects;
    }

    /** Exactly one Maildir file per expected subject, and no other file. */
    private void assertDeliveredOnce(List<String> subjects) throws IOException {
        assertEquals(subjects.stream().sorted().toList(), deliveredSubjects());
    }

    /** The Subject of every file in alice's Maildir, sorted. */
    private List<String> deliveredSubjects() throws IOException {
        List<String> out = new ArrayList<>();
        for (String file : fixture.delivered()) {
            assertTrue(file.contains("\n.a line that POP3 dot-stuffs\n"), "dot-stuffing must be undone:\n" + file);
            assertFalse(file.contains("\r"), "Maildir files have LF line ends");
            file.lines().filter(l -> l.startsWith("Subject: ")).findFirst()
                    .ifPresent(l -> out.add(l.substring("Subject: ".length())));
        }
        return out.stream().sorted().toList();
    }

    private static void assertOk(SessionSummary s) {
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
    }

    private static String certificatePem() throws IOException {
        return Files.readString(dovecot.certificatePem(), StandardCharsets.US_ASCII);
    }

    /** Dovecot's login lines for the test user mark a session protected by TLS (POP3S or STLS). */
    private boolean loggedInOverTls() throws IOException {
        return loginLines().stream().anyMatch(l -> l.contains("Login: user=<" + user + ">") && l.contains(", TLS"));
    }

    private static List<String> loginLines() throws IOException {
        return Files.readAllLines(dovecot.logFile(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("pop3-login:")).toList();
    }
}
