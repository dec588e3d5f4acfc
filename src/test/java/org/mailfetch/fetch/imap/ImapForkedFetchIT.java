package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import jakarta.mail.Flags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * `account fetch` of an IMAP account in a forked JVM against the private Dovecot: killed with
 * SIGKILL in the middle of a delete-immediately session (halfway through the downloads, holding the
 * STORE of \Deleted, holding the UID EXPUNGE after it), after which one session in this JVM must
 * deliver every message exactly once and empty the folder; and a 50 MB message fetched with a 96 MB
 * heap, byte for byte.
 */
class ImapForkedFetchIT {

    private static final String PASSWORD = "imap-secret";
    private static final int N = 30;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    enum KillPoint { HALFWAY, HOLDING_STORE, HOLDING_EXPUNGE }

    @AutoClose
    static Dovecot dovecot;

    @TempDir
    Path tmp;

    private Path dataDir;
    private MailfetchFixture fixture;
    private String user;
    private ImapServer.Mailbox remote;

    @BeforeAll
    static void startDovecot() throws IOException {
        dovecot = Dovecot.start();
    }

    @BeforeEach
    void setUp() throws IOException {
        dataDir = tmp.resolve("data");
        fixture = new MailfetchFixture(dataDir);
        user = "k" + UUID.randomUUID().toString().substring(0, 8);
        dovecot.addUser(user, PASSWORD);
        remote = ImapServer.mailbox(dovecot.imapPort(), user, PASSWORD);
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest
    @EnumSource(KillPoint.class)
    void aFetchKilledMidSessionShouldLoseNothingAndTheNextSessionShouldDeliverEveryMessageExactlyOnce(KillPoint point)
            throws Exception {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            String subject = "killed " + i + " " + UUID.randomUUID();
            dovecot.deliver(user, ("From: a@example.net\nSubject: " + subject + "\nMessage-ID: <" + UUID.randomUUID()
                    + "@example.net>\n\nbody " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            subjects.add(subject);
        }
        try (FaultProxy proxy = FaultProxy.imap(dovecot.imapPort())) {
            Account a = fixture.addImapAccount("dovecot-imap", Security.NONE, proxy.port(), null, user, PASSWORD,
                    DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);
            switch (point) {
                case HALFWAY -> proxy.delayResponses("UID FETCH", Duration.ofMillis(20));
                case HOLDING_STORE -> proxy.stallAt("STORE", 1);
                case HOLDING_EXPUNGE -> proxy.stallAt("UID EXPUNGE", 1);
            }
            fixture.close();
            fixture = null;

            try (ForkedMailfetch fork = ForkedMailfetch.start(dataDir, tmp.resolve("fork.log"),
                    Map.of("mailfetch.fetch.batch-size", "5", "mailfetch.fetch.lease", "2s"), List.of(),
                    "account", "fetch", String.valueOf(a.id()))) {
                if (point == KillPoint.HALFWAY) {
                    await(() -> inNew() >= N / 2, fork, "half of the messages in new/");
                } else {
                    assertTrue(proxy.awaitFault(PATIENCE), point + " reached\n" + fork.output());
                }
                assertTrue(fork.process().isAlive(), "killed mid-session, not after it\n" + fork.output());
                fork.kill();
            }
            proxy.dropConnections();

            fixture = new MailfetchFixture(dataDir);
            assertEquals(N, remote.subjects("INBOX").size(), "nothing was expunged before the kill");
            if (point == KillPoint.HOLDING_EXPUNGE) {
                assertEquals(N, remote.flagged("INBOX", Flags.Flag.DELETED), "flagged, not expunged");
            }

            SessionSummary next = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, next.result(), next.line());
            assertEquals(N, next.deleted(), next.line());
            if (point != KillPoint.HALFWAY) {
                assertEquals(0, next.downloaded(), "every message was recorded before the kill: " + next.line());
            }
        }
        assertEquals(List.of(), remote.subjects("INBOX"), "the folder is empty");
        List<String> files = fixture.delivered();
        for (String subject : subjects) {
            assertEquals(1, files.stream().filter(f -> f.contains("\nSubject: " + subject + "\n")).count(),
                    "exactly one Maildir file with " + subject);
        }
        assertEquals(N, files.size());
    }

    @Test
    void aFiftyMegabyteMessageShouldBeFetchedWithA96MegabyteHeapByteForByte() throws Exception {
        int bodyBytes = 50 * 1024 * 1024;
        Path original = tmp.resolve("big.eml");
        writeMessage(original, bodyBytes);
        dovecot.deliver(user, Files.readAllBytes(original));
        Account a = fixture.addImapAccount("big", Security.NONE, dovecot.imapPort(), null, user, PASSWORD,
                DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);

        long t0 = System.nanoTime();
        try (ForkedMailfetch fork = ForkedMailfetch.start(fixture.dataDir(), tmp.resolve("fork.log"),
                Map.of("mailfetch.fetch.read-timeout", "60s"), List.of("-Xmx96m"),
                "account", "fetch", String.valueOf(a.id()))) {
            assertEquals(0, fork.exitCode(Duration.ofSeconds(120)), fork.output());
            assertTrue(fork.output().contains("delivered 1"), fork.output());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        List<Path> files;
        try (Stream<Path> s = Files.list(dataDir.resolve("mailboxes/example.com/alice/new"))) {
            files = s.toList();
        }
        assertEquals(1, files.size());
        byte[] trace = "X-Mailfetch-Account: big\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(trace.length + Files.size(original), Files.size(files.get(0)));
        assertEquals(sha256(new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(trace),
                Files.newInputStream(original))), sha256(Files.newInputStream(files.get(0))), "byte for byte");
        assertEquals(0, dovecot.messageCount(user));
        System.out.println("50 MB fetched over IMAP by a forked -Xmx96m fetcher in " + took.toMillis() + " ms");
    }

    /** Headers and random base64 lines, LF line ends (Dovecot serves them with CRLF). */
    private static void writeMessage(Path file, int bodyBytes) throws IOException {
        try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(("From: sender@example.org\nSubject: large\nMessage-ID: <large-1@example.org>\nMIME-Version: 1.0\n"
                    + "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Random random = new Random(42);
            byte[] raw = new byte[57];
            for (int line = 0; line < bodyBytes / 77; line++) {
                random.nextBytes(raw);
                out.write(Base64.getEncoder().encode(raw));
                out.write('\n');
            }
        }
    }

    private int inNew() {
        Path dir = dataDir.resolve("mailboxes/example.com/alice/new");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void await(BooleanSupplier condition, ForkedMailfetch fork, String what) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (!fork.process().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("never saw " + what + "\n" + fork.output());
            }
            Thread.sleep(2);
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
