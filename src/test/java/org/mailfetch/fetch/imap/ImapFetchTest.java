package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import jakarta.mail.Flags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * IMAP accounts against GreenMail: each delete mode, two folders, move-to, mark-seen, a folder that
 * does not exist, a message above the size limit, a body larger than one partial FETCH, and the
 * server's INTERNALDATE as the Received-date fallback. Asserted on Maildir files, ledger rows and
 * what an IMAP client sees on the server afterwards.
 */
class ImapFetchTest {

    @TempDir
    Path dataDir;

    private ImapServer imap;
    private ImapServer.Mailbox remote;
    private MailfetchFixture fixture;

    @BeforeEach
    void setUp() {
        imap = new ImapServer();
        imap.user("bob", "secret");
        remote = imap.mailbox("bob", "secret");
        fixture = new MailfetchFixture(dataDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        imap.close();
    }

    private Account account(DeleteMode delete, ImapOptions options) {
        return fixture.addImapAccount("bob", Security.NONE, imap.port(), null, "bob", "secret", delete, options);
    }

    private List<String> append(String folder, int n) throws Exception {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            subjects.add(remote.append(folder, "body " + i + "\n"));
        }
        return subjects;
    }

    @Test
    void deleteImmediatelyShouldDeliverEveryMessageAndEmptyTheFolder() throws Exception {
        List<String> subjects = append("INBOX", 3);
        Account a = account(DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.delivered(), s.line());
        assertEquals(3, s.deleted(), s.line());
        assertEquals(List.of(), remote.subjects("INBOX"));
        assertDeliveredOnce(subjects);
        assertTrue(fixture.ledgerKeys(a.id()).stream().allMatch(k -> k.matches("INBOX;\\d+;\\d+")), fixture.ledgerKeys(a.id()).toString());

        SessionSummary again = fixture.fetch(a.id());
        assertOk(again);
        assertEquals(0, again.downloaded(), again.line());
        assertEquals(0, fixture.ledgerSize(a.id()), "rows of messages gone from the server are purged");
    }

    @Test
    void deleteNeverShouldLeaveEveryMessageUnseenAndNotDownloadTwice() throws Exception {
        List<String> subjects = append("INBOX", 3);
        Account a = account(DeleteMode.NEVER, ImapOptions.DEFAULT);

        SessionSummary first = fixture.fetch(a.id());
        SessionSummary second = fixture.fetch(a.id());

        assertOk(first);
        assertEquals(3, first.delivered(), first.line());
        assertEquals(0, second.downloaded(), second.line());
        assertEquals(subjects, remote.subjects("INBOX"));
        assertEquals(0, remote.flagged("INBOX", Flags.Flag.SEEN), "fetching must not set \\Seen");
        assertDeliveredOnce(subjects);
        assertEquals(3, fixture.ledgerSize(a.id()));
    }

    @Test
    void markSeenShouldFlagDeliveredMessagesThatStay() throws Exception {
        List<String> subjects = append("INBOX", 2);
        Account a = account(DeleteMode.NEVER, new ImapOptions(List.of("INBOX"), null, true, false));

        assertOk(fixture.fetch(a.id()));

        assertEquals(subjects, remote.subjects("INBOX"));
        assertEquals(2, remote.flagged("INBOX", Flags.Flag.SEEN));
        assertDeliveredOnce(subjects);
    }

    @Test
    void twoFoldersShouldBothBeFetchedEachWithItsOwnKeys() throws Exception {
        List<String> subjects = append("INBOX", 2);
        subjects.addAll(append("Work", 2));
        Account a = account(DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX", "Work"), null, false, false));

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(4, s.delivered(), s.line());
        assertEquals(4, s.deleted(), s.line());
        assertEquals(List.of(), remote.subjects("INBOX"));
        assertEquals(List.of(), remote.subjects("Work"));
        assertDeliveredOnce(subjects);
        assertEquals(2, fixture.ledgerKeys(a.id()).stream().filter(k -> k.startsWith("Work;")).count());
    }

    @Test
    void moveToShouldMoveDeliveredMessagesInsteadOfDeletingThem() throws Exception {
        List<String> subjects = append("INBOX", 3);
        remote.create("Archive");
        Account a = account(DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX"), "Archive", false, false));

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        assertEquals(3, s.deleted(), s.line());
        assertEquals(List.of(), remote.subjects("INBOX"));
        assertEquals(subjects.stream().sorted().toList(), remote.subjects("Archive").stream().sorted().toList());
        assertDeliveredOnce(subjects);
    }

    @Test
    void aMissingFolderShouldBeReportedAndTheOthersFetched() throws Exception {
        List<String> subjects = append("INBOX", 2);
        Account a = account(DeleteMode.NEVER, new ImapOptions(List.of("INBOX", "Nowhere"), null, false, false));

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(2, s.delivered(), s.line());
        assertTrue(s.error() != null && s.error().contains("folder Nowhere"), s.line());
        assertDeliveredOnce(subjects);
    }

    @Test
    void aMessageLargerThanTheLimitShouldStayAndNotBlockTheOthers() throws Exception {
        String big = remote.append("INBOX", "x".repeat(20_000) + "\n");
        List<String> small = append("INBOX", 2);
        Account a = account(DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);
        fixture.services().accounts().maxMessageSize(a.id(), 10_000L);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(2, s.delivered(), s.line());
        assertEquals(List.of(big), remote.subjects("INBOX"));
        assertDeliveredOnce(small);
    }

    @Test
    void aBodyLargerThanOnePartialFetchShouldArriveWhole() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < ImapRetriever.CHUNK * 5 / 2; i++) {
            body.append("line ").append(i).append(" of a long message\n");
        }
        String subject = remote.append("INBOX", body.toString());
        Account a = account(DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        SessionSummary s = fixture.fetch(a.id());

        assertOk(s);
        List<String> files = fixture.delivered();
        assertEquals(1, files.size());
        assertTrue(files.get(0).contains("Subject: " + subject + "\n"));
        assertTrue(files.get(0).endsWith(body.toString()) || files.get(0).contains(body.toString().strip()),
                "the whole body, in order");
    }

    @Test
    void receivedDateShouldFallBackToTheServersInternalDate() throws Exception {
        Instant internal = Instant.parse("2021-03-04T05:06:07Z");
        remote.append("INBOX", "no received header", "body\n", internal);
        Account plain = account(DeleteMode.NEVER, ImapOptions.DEFAULT);
        Account a = new Account(plain.id(), plain.name(), plain.enabled(), plain.protocol(), plain.host(), plain.port(),
                plain.security(), plain.userName(), plain.trustCertPem(), plain.intervalMinutes(), plain.mimeRecipients(),
                plain.recipientHeaders(), plain.envelopeHeaders(), plain.routeRecipients(), true, plain.antispam(),
                plain.antivirus(), plain.deleteMode(), plain.ownerAddress(), plain.createdAt());
        fixture.services().accounts().update(a, null);

        assertOk(fixture.fetch(a.id()));

        try (Stream<Path> files = Files.list(dataDir.resolve("mailboxes/example.com/alice/new"))) {
            Path file = files.findFirst().orElseThrow();
            assertEquals(internal, Files.getLastModifiedTime(file).toInstant());
        }
    }

    private void assertDeliveredOnce(List<String> subjects) throws Exception {
        List<String> files = fixture.delivered();
        assertEquals(subjects.size(), files.size(), "one Maildir file per message");
        for (String subject : subjects) {
            assertEquals(1, files.stream().filter(f -> f.contains("Subject: " + subject + "\n")).count(),
                    "exactly one file with " + subject);
        }
    }

    private static void assertOk(SessionSummary s) {
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
    }
}
