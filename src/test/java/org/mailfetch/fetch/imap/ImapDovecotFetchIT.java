package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

import jakarta.mail.Flags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;

/**
 * IMAP accounts against the private Dovecot: every delete mode and move-to, two folders, a folder
 * renumbered (UIDVALIDITY changed) with the same messages, \Seen never set by fetching, a
 * connection cut in the middle of a FETCH, a message above the size limit, a server without
 * UIDPLUS or MOVE, and TLS (SSL and STARTTLS) with the account's trusted certificate. Asserted on
 * Maildir files, ledger rows and what an IMAP client sees on the server afterwards.
 */
class ImapDovecotFetchIT {

    private static final String PASSWORD = "imap-secret";

    @AutoClose
    static Dovecot dovecot;

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    private String user;
    private ImapServer.Mailbox remote;

    @BeforeAll
    static void startDovecot() throws IOException {
        dovecot = Dovecot.start();
    }

    @BeforeEach
    void setUp() throws IOException {
        // the default read timeout (10 s) outlasts Dovecot's delay of logins after aWrongPassword…'s failure
        fixture = new MailfetchFixture(dataDir);
        user = "i" + UUID.randomUUID().toString().substring(0, 8);
        dovecot.addUser(user, PASSWORD);
        remote = ImapServer.mailbox(dovecot.imapPort(), user, PASSWORD);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Account account(int port, DeleteMode delete, ImapOptions options) {
        return fixture.addImapAccount("dovecot-imap", Security.NONE, port, null, user, PASSWORD, delete, options);
    }

    @Test
    void deleteImmediatelyShouldDeliverEveryMessageAndEmptyTheInbox() throws Exception {
        List<String> subjects = deliver(3);
        Account a = account(dovecot.imapPort(), DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.delivered(), s.line());
        assertEquals(3, s.deleted(), s.line());
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
        assertOk(fixture.fetch(a.id()));
        assertEquals(0, fixture.ledgerSize(a.id()), "rows of messages gone from the server are purged");
        assertDeliveredOnce(subjects);
    }

    @Test
    void deleteNeverShouldLeaveTheMailboxUntouchedAndUnseen() throws Exception {
        List<String> subjects = deliver(3);
        Account a = account(dovecot.imapPort(), DeleteMode.NEVER, ImapOptions.DEFAULT);

        SessionSummary first = fixture.fetch(a.id());
        subjects.addAll(deliver(1));
        SessionSummary second = fixture.fetch(a.id());

        assertOk(first);
        assertOk(second);
        assertEquals(3, first.delivered(), first.line());
        assertEquals(1, second.downloaded(), "only the message that arrived in between: " + second.line());
        assertEquals(4, remote.subjects("INBOX").size());
        assertEquals(0, remote.flagged("INBOX", Flags.Flag.SEEN), "fetching must not set \\Seen");
        assertDeliveredOnce(subjects);
        assertEquals(4, fixture.ledgerSize(a.id()));
    }

    @Test
    void deleteAfterDaysShouldCountFromFirstDownload() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-10T08:00:00Z"));
        List<String> subjects = deliver(2);
        Account a = account(dovecot.imapPort(), DeleteMode.parse("after-days:2"), ImapOptions.DEFAULT);

        SessionSummary day0 = fixture.fetch(a.id(), clock);
        assertOk(day0);
        assertEquals(0, day0.deleted(), day0.line());
        clock.advance(Duration.ofDays(1));
        subjects.addAll(deliver(1));
        SessionSummary day1 = fixture.fetch(a.id(), clock);
        assertEquals(1, day1.downloaded(), day1.line());
        assertEquals(0, day1.deleted(), day1.line());
        clock.advance(Duration.ofDays(1));
        SessionSummary day2 = fixture.fetch(a.id(), clock);

        assertOk(day2);
        assertEquals(2, day2.deleted(), "the first two are due, the late one is not: " + day2.line());
        assertEquals(1, dovecot.messageCount(user));
        assertEquals(0, remote.flagged("INBOX", Flags.Flag.SEEN));
        assertDeliveredOnce(subjects);
    }

    @Test
    void moveToShouldLeaveTheInboxEmptyAndTheArchiveFull() throws Exception {
        List<String> subjects = deliver(3);
        remote.create("Archive");
        Account a = account(dovecot.imapPort(), DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX"), "Archive", false, false));

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.deleted(), s.line());
        assertEquals(0, dovecot.messageCount(user));
        assertEquals(sorted(subjects), sorted(remote.subjects("Archive")));
        assertEquals(0, remote.flagged("Archive", Flags.Flag.DELETED));
        assertDeliveredOnce(subjects);
    }

    @Test
    void withoutMoveAndUidplusMoveToShouldCopyAndExpunge() throws Exception {
        List<String> subjects = deliver(2);
        remote.create("Archive");
        try (FaultProxy proxy = FaultProxy.imap(dovecot.imapPort()).hideCapability("MOVE").hideCapability("UIDPLUS")) {
            Account a = account(proxy.port(), DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX"), "Archive", false, false));

            SessionSummary s = fixture.fetch(a.id());

            assertOk(s);
            assertEquals(2, s.deleted(), s.line());
        }
        assertEquals(0, dovecot.messageCount(user));
        assertEquals(sorted(subjects), sorted(remote.subjects("Archive")));
        assertDeliveredOnce(subjects);
    }

    @Test
    void withoutUidplusAnotherDeletedMessageShouldKeepOursFlaggedNotExpunged() throws Exception {
        List<String> subjects = deliver(2);
        // a message mailfetch leaves alone (above the size limit), which another client flags \Deleted
        // without expunging it yet
        dovecot.deliver(user, message("not ours", "y".repeat(30_000)).getBytes(StandardCharsets.US_ASCII));
        try (FaultProxy proxy = FaultProxy.imap(dovecot.imapPort()).hideCapability("UIDPLUS")) {
            Account a = account(proxy.port(), DeleteMode.NEVER, ImapOptions.DEFAULT);
            fixture.services().accounts().maxMessageSize(a.id(), 20_000L);
            assertEquals(2, fixture.fetch(a.id()).delivered());
            remote.flagDeleted("INBOX", 3);
            Account now = fixture.services().accounts().update(withDelete(a, DeleteMode.IMMEDIATELY), null);

            SessionSummary s = fixture.fetch(now.id());

            assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
            assertTrue(s.error().contains("UIDPLUS") && s.error().contains("flagged"), s.line());
            assertEquals(0, s.deleted(), s.line());
        }
        assertEquals(3, remote.subjects("INBOX").size(), "EXPUNGE would have removed the other client's message");
        assertEquals(3, remote.flagged("INBOX", Flags.Flag.DELETED), "ours stay flagged, for a later expunge");
        assertDeliveredOnce(subjects);
    }

    @Test
    void withoutUidplusAndNoOtherDeletedMessageExpungeShouldDelete() throws Exception {
        List<String> subjects = deliver(2);
        try (FaultProxy proxy = FaultProxy.imap(dovecot.imapPort()).hideCapability("UIDPLUS")) {
            Account a = account(proxy.port(), DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

            SessionSummary s = fixture.fetch(a.id());

            assertOk(s);
            assertEquals(2, s.deleted(), s.line());
        }
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
    }

    @Test
    void twoFoldersShouldBothBeFetchedAndEmptied() throws Exception {
        List<String> subjects = deliver(2);
        subjects.add(remote.append("Work", "work mail 1\n"));
        subjects.add(remote.append("Work", "work mail 2\n"));
        Account a = account(dovecot.imapPort(), DeleteMode.IMMEDIATELY,
                new ImapOptions(List.of("INBOX", "Work"), null, false, false));

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(4, s.delivered(), s.line());
        assertEquals(4, s.deleted(), s.line());
        assertEquals(List.of(), remote.subjects("INBOX"));
        assertEquals(List.of(), remote.subjects("Work"));
        assertDeliveredOnce(subjects);
    }

    @Test
    void aRecreatedFolderWithTheSameMessagesShouldNotBeDeliveredAgain() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subjects.add(remote.append("Work", "work mail " + i + "\n"));
        }
        Account a = account(dovecot.imapPort(), DeleteMode.NEVER, new ImapOptions(List.of("Work"), null, false, false));
        SessionSummary first = fixture.fetch(a.id());
        assertEquals(3, first.delivered(), first.line());
        long before = remote.uidValidity("Work");

        remote.recreate("Work");
        String late = remote.append("Work", "arrived after the folder was rebuilt\n");
        long after = remote.uidValidity("Work");
        SessionSummary second = fixture.fetch(a.id());

        assertNotEquals(before, after, "the test must change the folder's UIDVALIDITY");
        assertOk(second);
        assertEquals(1, second.downloaded(), "only the new message: " + second.line());
        subjects.add(late);
        assertDeliveredOnce(subjects);
        assertEquals(4, fixture.ledgerSize(a.id()));
        assertTrue(fixture.ledgerKeys(a.id()).stream().allMatch(k -> k.startsWith("Work;" + after + ";")),
                "every row re-keyed to the new UIDVALIDITY: " + fixture.ledgerKeys(a.id()));
        assertEquals(0, fixture.fetch(a.id()).downloaded());
    }

    /**
     * Rows matched by digest after a UIDVALIDITY change keep that mail from being delivered twice, but
     * the digest (folder, Message-ID, INTERNALDATE, size) is not the content: whoever can APPEND with a
     * chosen date could make undelivered mail match. So such messages are never deleted, even when due.
     */
    @Test
    void messagesMatchedByDigestAfterAUidvalidityChangeShouldNeverBeDeleted() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-10T08:00:00Z"));
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subjects.add(remote.append("Work", "work mail " + i + "\n"));
        }
        Account a = account(dovecot.imapPort(), DeleteMode.parse("after-days:1"),
                new ImapOptions(List.of("Work"), null, false, false));
        assertEquals(3, fixture.fetch(a.id(), clock).delivered());

        remote.recreate("Work");
        String late = remote.append("Work", "arrived after the folder was rebuilt\n");
        clock.advance(Duration.ofDays(2));
        SessionSummary second = fixture.fetch(a.id(), clock);
        clock.advance(Duration.ofDays(2));
        SessionSummary third = fixture.fetch(a.id(), clock);

        assertOk(second);
        assertEquals(1, second.downloaded(), second.line());
        assertEquals(0, second.deleted(), "the matched ones are due by date, but only matched by digest: " + second.line());
        assertOk(third);
        assertEquals(1, third.deleted(), "only the message downloaded under its key: " + third.line());
        subjects.add(late);
        assertDeliveredOnce(subjects);
        assertEquals(3, remote.subjects("Work").size(), "the matched messages stay: " + remote.subjects("Work"));
    }

    @Test
    void aConnectionCutInTheMiddleOfAFetchShouldLoseNothingAndDeliverNothingTwice() throws Exception {
        List<String> subjects = deliver(4);
        try (FaultProxy proxy = FaultProxy.imap(dovecot.imapPort())) {
            proxy.cutDuringResponse("UID FETCH", 2);
            Account a = account(proxy.port(), DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

            SessionSummary s = fixture.fetch(a.id());

            assertTrue(proxy.faultHappened(), "the proxy must have cut a FETCH");
            assertEquals(4, s.delivered(), s.line());
            assertEquals(4, s.deleted(), s.line());
        }
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
    }

    @Test
    void aMessageLargerThanTheLimitShouldStayOnTheServer() throws Exception {
        String big = "big " + UUID.randomUUID();
        dovecot.deliver(user, message(big, "x".repeat(30_000)).getBytes(StandardCharsets.US_ASCII));
        List<String> small = deliver(2);
        Account a = account(dovecot.imapPort(), DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);
        fixture.services().accounts().maxMessageSize(a.id(), 20_000L);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(2, s.delivered(), s.line());
        assertEquals(List.of(big), remote.subjects("INBOX"));
        assertDeliveredOnce(small);
    }

    @Test
    void sslWithTheTrustedCertificateShouldFetch() throws Exception {
        List<String> subjects = deliver(2);
        Account a = fixture.addImapAccount("dovecot-imaps", Security.SSL, dovecot.imapsPort(), certificatePem(), user,
                PASSWORD, DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
        assertTrue(loggedInOverTls(), dovecot.logTail(20));
    }

    @Test
    void starttlsWithTheTrustedCertificateShouldUpgradeThePlainPort() throws Exception {
        List<String> subjects = deliver(2);
        Account a = fixture.addImapAccount("dovecot-imap-stls", Security.STARTTLS, dovecot.imapPort(), certificatePem(),
                user, PASSWORD, DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertDeliveredOnce(subjects);
        assertTrue(loggedInOverTls(), dovecot.logTail(20));
    }

    @Test
    void sslWithoutTrustShouldFailWithATlsErrorAndTouchNothing() throws Exception {
        deliver(2);
        Account a = fixture.addImapAccount("dovecot-imaps", Security.SSL, dovecot.imapsPort(), null, user, PASSWORD,
                DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().startsWith("TLS failed"), s.line());
        assertEquals(2, dovecot.messageCount(user));
        assertEquals(List.of(), fixture.delivered());
    }

    @Test
    void aWrongPasswordShouldBeALoginFailure() throws Exception {
        deliver(1);
        Account a = fixture.addImapAccount("dovecot-imap", Security.NONE, dovecot.imapPort(), null, user, "wrong",
                DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().startsWith("login refused"), s.line());
        assertEquals(1, fixture.services().status().get(a.id()).loginFailures());
    }

    private static Account withDelete(Account a, DeleteMode delete) {
        return new Account(a.id(), a.name(), a.enabled(), a.protocol(), a.host(), a.port(), a.security(), a.userName(),
                a.trustCertPem(), a.intervalMinutes(), a.mimeRecipients(), a.recipientHeaders(), a.envelopeHeaders(),
                a.routeRecipients(), a.receivedDate(), a.antispam(), a.antivirus(), delete, a.ownerAddress(), a.createdAt());
    }

    private List<String> deliver(int n) throws IOException {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String subject = "dovecot " + user + " " + UUID.randomUUID();
            dovecot.deliver(user, message(subject, "Body of " + subject + ".").getBytes(StandardCharsets.US_ASCII));
            subjects.add(subject);
        }
        return subjects;
    }

    private String message(String subject, String body) {
        return "From: sender@example.net\n"
                + "To: " + user + "@example.org\n"
                + "Subject: " + subject + "\n"
                + "Message-ID: <" + UUID.randomUUID() + "@example.net>\n"
                + "\n"
                + body + "\n";
    }

    private void assertDeliveredOnce(List<String> subjects) throws IOException {
        List<String> files = fixture.delivered();
        for (String subject : subjects) {
            assertEquals(1, files.stream().filter(f -> f.contains("\nSubject: " + subject + "\n")).count(),
                    "exactly one Maildir file with " + subject);
        }
        assertEquals(subjects.size(), files.size(), "one Maildir file per message");
        assertTrue(files.stream().noneMatch(f -> f.contains("\r")), "Maildir files have LF line ends");
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }

    private static void assertOk(SessionSummary s) {
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
    }

    private static String certificatePem() throws IOException {
        return Files.readString(dovecot.certificatePem(), StandardCharsets.US_ASCII);
    }

    private boolean loggedInOverTls() throws IOException {
        return Files.readAllLines(dovecot.logFile(), StandardCharsets.UTF_8).stream()
                .anyMatch(l -> l.contains("imap-login:") && l.contains("Login: user=<" + user + ">") && l.contains(", TLS"));
    }
}
