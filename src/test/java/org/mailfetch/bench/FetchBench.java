package org.mailfetch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import javax.net.SocketFactory;

import org.mailfetch.account.ImapOptions;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The benchmark of issue 2: in one run, against one private Dovecot, it times for each mailbox
 * (2000 x 4 KB and 50 x 1 MB, plain; 50 x 1 MB over POP3S) a raw POP3 client, a raw durable Maildir
 * write of the same number of files of the same size, and mailfetch's real path (a data dir, an
 * account with delete=never, one session through {@link MailfetchFixture#fetch(long)}), and prints
 * msg/s, MB/s and mailfetch's ratios to both baselines. Run it through {@code bench/run}.
 *
 * <p>IMAP rows (issue 10) follow the POP3 rows of each mailbox, from the same messages in the same
 * Dovecot: a raw IMAP client ({@link RawImapClient}: UID FETCH BODY.PEEK[] one by one, bytes
 * discarded), a raw durable write taken right before, and mailfetch over IMAP (delete=never, so the
 * folder is opened read-only). "vs raw" is the ratio against the raw client of the row's protocol.
 *
 * <p>System properties: {@code bench.dir} (a directory on the disk under test, not a tmpfs;
 * default {@code target/bench}), {@code bench.batch-sizes} (comma-separated values of
 * {@code mailfetch.fetch.batch-size}; default {@code 200}), {@code bench.tls} ({@code true}: also
 * the 1 MB mailbox over POP3S; default {@code true}), {@code bench.cases} ({@code small,large};
 * default both), {@code bench.rounds} (mailfetch sessions per batch size, each into a fresh data
 * dir; the first of a JVM also pays for class loading and JIT warm-up; default 1),
 * {@code bench.protocols} ({@code pop3,imap}; default both).
 *
 * <p>MB/s everywhere is the size of the messages as stored (LF line ends), so that the figures of
 * the raw client (which reads CRLF, dot-stuffed bytes) and of mailfetch compare.
 */
public final class FetchBench {

    private static final String PASSWORD = "bench";

    /**
     * Directories the run wrote, removed only at its end: on an ext4 without a journal (as on this
     * machine kind) every file deleted within the last ~30 s makes each new inode allocation scan
     * past it (ext4's recently_deleted()), so deleting between measurements would slow the next ones.
     */
    private static final List<Path> LEFTOVERS = new ArrayList<>();

    private FetchBench() {
    }

    /** One mailbox on the server and how to reach it. */
    private record Case(String label, String user, int count, int size, boolean tls) {
    }

    /** Messages, bytes as stored and wall time of one measured run. */
    private record Timing(int messages, long bytes, Duration elapsed) {

        double seconds() {
            return Math.max(elapsed.toNanos(), 1) / 1e9;
        }

        double messagesPerSecond() {
            return messages / seconds();
        }

        double megabytesPerSecond() {
            return bytes / 1e6 / seconds();
        }
    }

    public static void main(String[] args) throws Exception {
        Path benchDir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        List<Integer> batchSizes = Stream.of(System.getProperty("bench.batch-sizes", "200").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        boolean tls = Boolean.parseBoolean(System.getProperty("bench.tls", "true"));
        List<String> wanted = List.of(System.getProperty("bench.cases", "small,large").split(","));
        int rounds = Integer.getInteger("bench.rounds", 1);
        List<String> protocols = List.of(System.getProperty("bench.protocols", "pop3,imap").split(","));
        Files.createDirectories(benchDir);

        List<Case> cases = new ArrayList<>();
        if (wanted.contains("small")) {
            cases.add(new Case("2000 x 4 KB plain", "small", BenchMailbox.SMALL_COUNT, BenchMailbox.SMALL_SIZE, false));
        }
        if (wanted.contains("large")) {
            cases.add(new Case("50 x 1 MB plain", "large", BenchMailbox.LARGE_COUNT, BenchMailbox.LARGE_SIZE, false));
            if (tls) {
                cases.add(new Case("50 x 1 MB TLS", "large", BenchMailbox.LARGE_COUNT, BenchMailbox.LARGE_SIZE, true));
            }
        }

        System.out.printf("mailfetch benchmark: data under %s, batch sizes %s, %d CPUs, Java %s%n", benchDir,
                batchSizes, Runtime.getRuntime().availableProcessors(), Runtime.version());
        try (Dovecot dovecot = Dovecot.start()) {
            run(benchDir, batchSizes, rounds, cases, protocols, dovecot);
        } finally {
            for (Path dir : LEFTOVERS) {
                deleteTree(dir);
            }
        }
    }

    private static void run(Path benchDir, List<Integer> batchSizes, int rounds, List<Case> cases,
                            List<String> protocols, Dovecot dovecot) throws Exception {
        boolean pop3Rows = protocols.contains("pop3");
        boolean imapRows = protocols.contains("imap");
        String pem = Files.readString(dovecot.certificatePem(), StandardCharsets.US_ASCII);
        for (String user : cases.stream().map(Case::user).distinct().toList()) {
            dovecot.addUser(user, PASSWORD);
            Case c = cases.stream().filter(k -> k.user().equals(user)).findFirst().orElseThrow();
            BenchMailbox.fill(dovecot, user, c.count(), c.size());
            // the first pass lets Dovecot index the fresh Maildir (and warms the JIT); not reported
            RawPop3Client.fetchAll(SocketFactory.getDefault(), dovecot.host(), dovecot.pop3Port(), user, PASSWORD);
            if (imapRows) {
                // IMAP's first pass adds what it caches (UIDs, sizes, dates) to Dovecot's index
                RawImapClient.fetchAll(SocketFactory.getDefault(), dovecot.host(), dovecot.imapPort(), user, PASSWORD);
            }
        }
        if (cases.stream().anyMatch(Case::tls)) {
            // warms the JDK's TLS code as the plain pass warmed the socket code
            Case c = cases.stream().filter(Case::tls).findFirst().orElseThrow();
            RawPop3Client.fetchAll(dovecot.clientSslContext().getSocketFactory(), dovecot.host(), dovecot.pop3sPort(),
                    c.user(), PASSWORD);
        }
        // the filled mailboxes (over 50 MB) must not be written back while the disk is measured
        syncFileSystems();
        System.out.printf("%n%-18s %-28s %9s %8s %8s %10s %10s%n", "mailbox", "what", "msg/s", "MB/s", "s",
                "vs raw", "vs disk");
        for (Case c : cases) {
            byte[] sample = BenchMailbox.message(0, c.size(), c.user() + "@example.org");
            long bytes = (long) c.count() * c.size();
            SocketFactory sockets = c.tls() ? dovecot.clientSslContext().getSocketFactory() : SocketFactory.getDefault();
            int port = c.tls() ? dovecot.pop3sPort() : dovecot.pop3Port();

            String label = c.label();
            if (pop3Rows) {
                RawPop3Client.Result raw = RawPop3Client.fetchAll(sockets, dovecot.host(), port, c.user(), PASSWORD);
                Timing pop3 = new Timing(raw.messages(), bytes, raw.elapsed());
                check(c, raw.messages());
                print(label, "raw POP3 (RETR one by one)", pop3, null, null);
                label = "";

                for (int round = 1; round <= rounds; round++) {
                    for (int batchSize : batchSizes) {
                        // the disk's speed drifts within minutes (see LEFTOVERS, and other work on the machine):
                        // its baseline is taken right before each mailfetch run it is compared with
                        Timing disk = rawDurableWrite(benchDir, c.count(), sample, batchSize);
                        Timing[] mf = mailfetch(benchDir, dovecot, c, pem, batchSize, bytes, false);
                        String name = "mailfetch batch " + batchSize + (rounds > 1 ? " #" + round : "");
                        print("", "raw durable write (dir/" + batchSize + ")", disk, null, null);
                        print("", name + " session", mf[1], pop3, disk);
                        print("", name + " +engine", mf[0], pop3, disk);
                    }
                }
            }
            if (imapRows) {
                imapRows(benchDir, batchSizes, rounds, dovecot, c, pem, label, sample, bytes);
            }
        }
    }

    /** The IMAP rows of one mailbox: the raw IMAP client, then per batch size the disk and mailfetch over IMAP. */
    private static void imapRows(Path benchDir, List<Integer> batchSizes, int rounds, Dovecot dovecot, Case c,
                                 String pem, String label, byte[] sample, long bytes) throws Exception {
        SocketFactory sockets = c.tls() ? dovecot.clientSslContext().getSocketFactory() : SocketFactory.getDefault();
        int port = c.tls() ? dovecot.imapsPort() : dovecot.imapPort();
        RawPop3Client.Result raw = RawImapClient.fetchAll(sockets, dovecot.host(), port, c.user(), PASSWORD);
        Timing imap = new Timing(raw.messages(), bytes, raw.elapsed());
        check(c, raw.messages());
        print(label, "raw IMAP (UID FETCH 1 by 1)", imap, null, null);
        for (int round = 1; round <= rounds; round++) {
            for (int batchSize : batchSizes) {
                Timing disk = rawDurableWrite(benchDir, c.count(), sample, batchSize);
                Timing[] mf = mailfetch(benchDir, dovecot, c, pem, batchSize, bytes, true);
                String name = "mailfetch IMAP " + batchSize + (rounds > 1 ? " #" + round : "");
                print("", "raw durable write (dir/" + batchSize + ")", disk, null, null);
                print("", name + " session", mf[1], imap, disk);
                print("", name + " +engine", mf[0], imap, disk);
            }
        }
    }

    /**
     * One mailfetch session into a fresh data dir; returns the end-to-end time of fixture.fetch
     * (including starting and stopping the Camel engine) and the session's own time (from its summary:
     * after login and UIDL listing until QUIT, after the last group commit).
     */
    private static Timing[] mailfetch(Path benchDir, Dovecot dovecot, Case c, String pem, int batchSize, long bytes,
                                      boolean imap) throws Exception {
        Path dataDir = Files.createTempDirectory(benchDir, "data-");
        LEFTOVERS.add(dataDir);
        Properties extra = new Properties();
        extra.setProperty("mailfetch.fetch.batch-size", Integer.toString(batchSize));
        // the default timeouts: the fixture's short test values would only matter on a stall
        extra.setProperty("mailfetch.fetch.read-timeout", "120s");
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir, extra)) {
            Account a = imap
                    ? fixture.addImapAccount("bench", c.tls() ? Security.SSL : Security.NONE,
                            c.tls() ? dovecot.imapsPort() : dovecot.imapPort(), c.tls() ? pem : null, c.user(), PASSWORD,
                            DeleteMode.NEVER, ImapOptions.DEFAULT)
                    : c.tls()
                    ? fixture.addAccount("bench", Security.SSL, dovecot.pop3sPort(), pem, c.user(), PASSWORD, DeleteMode.NEVER)
                    : fixture.addAccount("bench", Security.NONE, dovecot.pop3Port(), null, c.user(), PASSWORD,
                            DeleteMode.NEVER);
            long started = System.nanoTime();
            SessionSummary s = fixture.fetch(a.id());
            Duration wall = Duration.ofNanos(System.nanoTime() - started);
            if (s.result() != SessionSummary.Result.OK) {
                throw new IllegalStateException("mailfetch session failed: " + s.line());
            }
            check(c, s.delivered());
            try (Stream<Path> files = Files.list(fixture.dataDir().resolve("mailboxes/example.com/alice/new"))) {
                check(c, (int) files.count());
            }
            return new Timing[] {
                new Timing(s.delivered(), bytes, wall),
                new Timing(s.delivered(), bytes, Duration.between(s.start(), s.end()))};
        }
    }

    private static Timing rawDurableWrite(Path benchDir, int count, byte[] content, int dirSyncEvery) throws IOException {
        Path maildir = Files.createTempDirectory(benchDir, "raw-");
        LEFTOVERS.add(maildir);
        RawDurableWrite.Result r = RawDurableWrite.write(maildir, count, content, dirSyncEvery);
        return new Timing(r.files(), r.bytes(), r.elapsed());
    }

    private static void check(Case c, int messages) {
        if (messages != c.count()) {
            throw new IllegalStateException(c.label() + ": expected " + c.count() + " messages, got " + messages);
        }
    }

    private static void print(String mailbox, String what, Timing t, Timing pop3, Timing disk) {
        System.out.printf("%-18s %-28s %9.0f %8.1f %8.2f %10s %10s%n", mailbox, what, t.messagesPerSecond(),
                t.megabytesPerSecond(), t.seconds(), ratio(t, pop3), ratio(t, disk));
    }

    private static String ratio(Timing t, Timing baseline) {
        return baseline == null ? "" : String.format("%.2f", t.messagesPerSecond() / baseline.messagesPerSecond());
    }

    private static void syncFileSystems() throws IOException, InterruptedException {
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (sync.waitFor() != 0) {
            throw new IOException("sync failed with exit code " + sync.exitValue());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
