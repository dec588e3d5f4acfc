package org.mailfetch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import javax.net.SocketFactory;

import org.mailfetch.account.ImapOptions;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The benchmark of issues 2 and 12: in one run, against one private Dovecot and on one disk, it
 * times for each mailbox (2000 x 4 KB and 50 x 1 MB, plain; 50 x 1 MB over POP3S):
 * <ul>
 * <li>a raw POP3 client, lockstep (RETR one at a time) and pipelined ({@code bench.pipeline} RETR in
 *     flight, default 16), each the fastest of {@code bench.raw-tries} runs (default 3), once for the
 *     mailbox and, for 1 MB messages, again around each measured mailfetch session, with the
 *     concurrent raw durable write below of the same files (not a target: the disk's limit, which
 *     mailfetch's durable delivery cannot pass whatever the wire does);
 * <li>for 4 KB messages, around each measured mailfetch session, two raw durable writes of the same
 *     number of files of the same size: per-file fsync from one thread (the reference) and
 *     {@code bench.fsync-threads} threads (default 8) fsyncing a batch's files at once, then renames
 *     and one directory fsync (the disk's real limit); "vs disk" is against the better of the two;
 * <li>mailfetch's real path (a data dir, an account with delete=never, one session in a running
 *     engine) into its Maildir, and into Dovecot over LMTP (an LMTP domain, as
 *     {@code domain add --lmtp}, holding the account's owner); for 1 MB messages into the Maildir,
 *     the fastest of {@code bench.raw-tries} sessions (each a new account), measured as the raw
 *     clients it is compared with are;
 * <li>when installed, fetchmail delivering over LMTP into the same Dovecot and getmail6 into a
 *     Maildir on the bench disk ({@link ExternalFetchers}), each on its own copy of the mailbox
 *     (byte for byte the same messages), which it empties; plain POP3 only;
 * </ul>
 * and prints msg/s, MB/s, ratios, and at the end the ratios of issue 12's targets. A baseline
 * "around" a session is the mean of a run just before it (after its warm-ups, then one more warm-up
 * session, since the raw runs disturb what the JIT compiled) and a run right after it: the disk's
 * speed swung by nearly two to one within minutes here, and warm-ups take up to a minute, so a
 * baseline taken once before them would compare the session with another minute's disk.
 * With several rounds, each target's median ratio decides. Run it through {@code bench/run}.
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
 * default both), {@code bench.rounds} (measured mailfetch sessions per batch size, each into a fresh
 * data dir; default 1, {@code bench/run}: 3), {@code bench.warm-up} (unreported mailfetch sessions in the measured session's engine
 * first, as the raw clients' first pass, so that no row pays for class loading and JIT compilation;
 * at least 3 by default, more until the JIT is quiet, {@code bench.warm-up-max} at most, default 20),
 * {@code bench.protocols} ({@code pop3,imap}; default both).
 *
 * <p>MB/s everywhere is the size of the messages as stored (LF line ends), so that the figures of
 * the raw client (which reads CRLF, dot-stuffed bytes) and of mailfetch compare.
 */
public final class FetchBench {

    private static final String PASSWORD = "bench";
    /** RETR commands the pipelined raw client keeps in flight ({@code bench.pipeline}). */
    private static final int PIPELINE = Integer.getInteger("bench.pipeline", 16);
    /** Runs of each raw POP3 client, the fastest reported ({@code bench.raw-tries}). */
    private static final int RAW_TRIES = Integer.getInteger("bench.raw-tries", 3);
    /** Threads of the concurrent raw durable write ({@code bench.fsync-threads}). */
    private static final int FSYNC_THREADS = Integer.getInteger("bench.fsync-threads", 8);
    /**
     * Unreported sessions of other accounts in the same engine before each measured mailfetch session
     * ({@code bench.warm-up}, at least this many, default 3; 0 measures the engine's first session),
     * more of them while the last one's JIT compiler threads took over a tenth of the JVM's CPU (at most
     * {@code bench.warm-up-max}, default 20), then a wait for the compilers to go quiet: as the raw
     * clients get their first pass, the rows show a service that has run for a while, not the compiler
     * threads taking one of the two cores (3 sessions of 2000 messages were not enough for that).
     */
    private static final int WARM_UP_SESSIONS = Integer.getInteger("bench.warm-up", 3);
    private static final int WARM_UP_MAX = Math.max(WARM_UP_SESSIONS, Integer.getInteger("bench.warm-up-max", 20));
    private static final double WARM_UP_JIT_SHARE = 0.1;
    /** The owner of the warm-up account: a Maildir next to the measured one, in the same data dir. */
    private static final String WARM_UP_OWNER = "warm-up@example.com";
    /** {@code -Dbench.lmtp=false} leaves the LMTP rows out (a shorter run, e.g. to profile the Maildir path). */
    private static final boolean LMTP_ROWS = Boolean.parseBoolean(System.getProperty("bench.lmtp", "true"));
    /** Where the LMTP rows deliver: Dovecot users of this domain, an LMTP domain in mailfetch's directory. */
    private static final String LMTP_DOMAIN = "lmtp.example";
    /** How long ext4 remembers deleted inodes (see LEFTOVERS), and a margin. */
    private static final Duration RECENTLY_DELETED_PAUSE = Duration.ofSeconds(35);
    /** How long getmail6 waits for a delivery child before it gives up. */
    private static final Duration GETMAIL_CHILD_WAIT = ExternalFetchers.GETMAIL_TIMEOUT;

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
    /**
     * {@code cpu}: the CPU time of all of this JVM's threads during a mailfetch session, {@code jit} the
     * part of it the JIT compiler threads took (both null for other rows), after {@code warmUps} sessions.
     */
    private record Timing(int messages, long bytes, Duration elapsed, Duration cpu, Duration jit, int warmUps) {

        Timing(int messages, long bytes, Duration elapsed) {
            this(messages, bytes, elapsed, null, null, 0);
        }

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

    /** {@code bench.thread-cpu}: print the measured sessions' CPU time by thread (from /proc, JIT and GC included). */
    private static final boolean THREAD_CPU = Boolean.getBoolean("bench.thread-cpu");
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

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

        System.out.printf("mailfetch benchmark: data under %s, batch sizes %s, %d CPUs, Java %s, %d to %d warm-up"
                + " sessions before each mailfetch row (more while the JIT took over %.0f%% of a session's CPU)%n",
                benchDir, batchSizes, Runtime.getRuntime().availableProcessors(), Runtime.version(), WARM_UP_SESSIONS,
                WARM_UP_MAX, WARM_UP_JIT_SHARE * 100);
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
        // -Dbench.others=false leaves fetchmail and getmail6 out (a shorter run, e.g. to profile mailfetch)
        boolean others = pop3Rows && Boolean.parseBoolean(System.getProperty("bench.others", "true"));
        Optional<Path> fetchmail = others ? ExternalFetchers.executable("fetchmail") : Optional.empty();
        Optional<Path> getmail = others ? ExternalFetchers.executable("getmail") : Optional.empty();
        String pem = Files.readString(dovecot.certificatePem(), StandardCharsets.US_ASCII);
        for (String user : cases.stream().map(Case::user).distinct().toList()) {
            Case c = cases.stream().filter(k -> k.user().equals(user)).findFirst().orElseThrow();
            // the other fetchers delete what they fetch: each gets its own copy, byte for byte the same messages
            List<String> copies = new ArrayList<>(List.of(user));
            fetchmail.ifPresent(f -> copies.add(user + "-fetchmail"));
            getmail.ifPresent(g -> copies.add(user + "-getmail"));
            for (String copy : copies) {
                dovecot.addUser(copy, PASSWORD);
                BenchMailbox.fill(dovecot, copy, c.count(), c.size(), user + "@example.org");
                // the first pass lets Dovecot index the fresh Maildir (and warms the JIT); not reported
                RawPop3Client.fetchAll(SocketFactory.getDefault(), dovecot.host(), dovecot.pop3Port(), copy, PASSWORD);
            }
            if (pop3Rows) {
                // the LMTP recipients: mailfetch's and fetchmail's deliveries land in Dovecot's store
                dovecot.addUser(lmtpRecipient("mailfetch", user), PASSWORD);
                fetchmail.ifPresent(f -> addUser(dovecot, lmtpRecipient("fetchmail", user)));
            }
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
        System.out.printf("%n%-18s %-38s %9s %8s %8s %7s %7s%n", "mailbox", "what", "msg/s", "MB/s", "s",
                "vs raw", "vs disk");
        List<String> targets = new ArrayList<>();
        for (Case c : cases) {
            byte[] sample = BenchMailbox.message(0, c.size(), c.user() + "@example.org");
            long bytes = (long) c.count() * c.size();
            SocketFactory sockets = c.tls() ? dovecot.clientSslContext().getSocketFactory() : SocketFactory.getDefault();
            int port = c.tls() ? dovecot.pop3sPort() : dovecot.pop3Port();

            String label = c.label();
            if (pop3Rows) {
                // a raw session lasts about a second: one scheduler hiccup on a shared machine would halve it
                Timing pop3 = best(RAW_TRIES, () -> RawPop3Client.fetchAll(sockets, dovecot.host(), port, c.user(),
                        PASSWORD), c, bytes);
                print(label, "raw POP3 lockstep (best of " + RAW_TRIES + ")", pop3, null, null);
                label = "";
                Timing pipelined = best(RAW_TRIES, () -> RawPop3Client.fetchAllPipelined(sockets, dovecot.host(), port,
                        c.user(), PASSWORD, PIPELINE), c, bytes);
                print("", "raw POP3 pipelined, " + PIPELINE + " RETR in flight", pipelined, pop3, null);

                List<Run> maildirRuns = new ArrayList<>();
                boolean large = c.size() >= BenchMailbox.LARGE_SIZE;
                for (int round = 1; round <= rounds; round++) {
                    for (int batchSize : batchSizes) {
                        // the disk's speed (and the machine's) drifts within minutes, warm-ups take up to a
                        // minute: each baseline is taken right before and right after the measured session
                        // it is compared with, the warm-ups done, and the two averaged
                        Baselines bracket = large
                                ? () -> new Timing[] {
                                    best(RAW_TRIES, () -> RawPop3Client.fetchAll(sockets, dovecot.host(), port,
                                            c.user(), PASSWORD), c, bytes),
                                    best(RAW_TRIES, () -> RawPop3Client.fetchAllPipelined(sockets, dovecot.host(),
                                            port, c.user(), PASSWORD, PIPELINE), c, bytes),
                                    // not a target: the disk's limit for these files, which mailfetch must write too
                                    rawConcurrentWrite(benchDir, c.count(), sample, batchSize)}
                                : () -> new Timing[] {
                                    rawDurableWrite(benchDir, c.count(), sample, batchSize),
                                    rawConcurrentWrite(benchDir, c.count(), sample, batchSize)};
                        // measured as its baseline is: the fastest of RAW_TRIES sessions against the raw clients'
                        // fastest, one session against one durable write
                        Run mf = mailfetch(benchDir, dovecot, c, pem, batchSize, bytes, false, false, bracket,
                                large ? RAW_TRIES : 1);
                        Run lmtp = LMTP_ROWS ? mailfetch(benchDir, dovecot, c, pem, batchSize, bytes, false, true, null, 1)
                                : null;
                        String n = batchSize + (rounds > 1 ? " #" + round : "");
                        Timing[] around = mf.baselines();
                        Timing vsRaw = pop3;
                        Timing vsDisk = null;
                        if (large) {
                            print("", "raw POP3 lockstep, around the session", around[0], null, null);
                            print("", "raw POP3 pipelined, around the session", around[1], around[0], null);
                            print("", "raw durable " + FSYNC_THREADS + "-thread fsync (dir/" + batchSize + ")",
                                    around[2], null, null);
                            vsRaw = around[0];
                            vsDisk = around[2];
                        } else {
                            print("", "raw durable per-file fsync (dir/" + batchSize + ")", around[0], null, null);
                            print("", "raw durable " + FSYNC_THREADS + "-thread fsync (dir/" + batchSize + ")",
                                    around[1], null, null);
                            vsDisk = faster(around[0], around[1]);
                        }
                        print("", "mailfetch Maildir " + n + " session", mf.session(), vsRaw, vsDisk);
                        print("", "mailfetch Maildir " + n + " +engine", mf.engine(), vsRaw, vsDisk);
                        if (lmtp != null) {
                            print("", "mailfetch LMTP " + n + " session", lmtp.session(), vsRaw, vsDisk);
                            print("", "mailfetch LMTP " + n + " +engine", lmtp.engine(), vsRaw, vsDisk);
                        }
                        maildirRuns.add(mf);
                    }
                }
                Timing fetchmailTiming = null;
                if (c.tls()) {
                    if (fetchmail.isPresent() || getmail.isPresent()) {
                        System.out.printf("%-18s %s%n", "", "(fetchmail and getmail6: plain POP3 rows only)");
                    }
                } else if (others) {
                    fetchmailTiming = fetchmailRow(benchDir, dovecot, c, fetchmail, bytes, pop3);
                    getmailRow(benchDir, dovecot, c, getmail, bytes, pop3, fetchmailTiming != null);
                }
                targets.addAll(targets(c, maildirRuns, fetchmailTiming));
            }
            if (imapRows) {
                imapRows(benchDir, batchSizes, rounds, dovecot, c, pem, label, sample, bytes);
            }
        }
        if (!targets.isEmpty()) {
            System.out.printf("%nissue 12 targets: mailfetch into Maildir, session [+engine], ratios within this run%n");
            targets.forEach(System.out::println);
        }
    }

    /** A raw client run. */
    private interface RawRun {
        RawPop3Client.Result run() throws IOException;
    }

    /** The fastest of {@code tries} runs of a raw client. */
    private static Timing best(int tries, RawRun raw, Case c, long bytes) throws IOException {
        Timing best = null;
        for (int i = 0; i < tries; i++) {
            RawPop3Client.Result r = raw.run();
            check(c, r.messages());
            if (best == null || r.elapsed().compareTo(best.elapsed()) < 0) {
                best = new Timing(r.messages(), bytes, r.elapsed());
            }
        }
        return best;
    }

    /**
     * The targets block's lines for one mailbox: the ratio of each target, and with several rounds the
     * median of theirs (which decides "met"), each round's following in brackets.
     */
    private static List<String> targets(Case c, List<Run> runs, Timing fetchmail) {
        List<String> lines = new ArrayList<>();
        if (c.size() >= BenchMailbox.LARGE_SIZE) {
            lines.add(target(c.label(), "MB/s / raw POP3 lockstep MB/s", runs, r -> r.baselines()[0], 0.8));
            lines.add(target("", "MB/s / raw POP3 pipelined MB/s", runs, r -> r.baselines()[1], 0.8));
        } else {
            lines.add(target(c.label(), "msg/s / best raw durable write files/s", runs,
                    r -> faster(r.baselines()[0], r.baselines()[1]), 0.8));
            lines.add(fetchmail == null
                    ? String.format("%-18s %-40s %s", "", "msg/s / fetchmail->LMTP msg/s", "(fetchmail not run)")
                    : target("", "msg/s / fetchmail->LMTP msg/s", runs, r -> fetchmail, 10));
        }
        return lines;
    }

    private static String target(String mailbox, String what, List<Run> runs,
                                 java.util.function.Function<Run, Timing> baseline, double goal) {
        double[] session = runs.stream().mapToDouble(r -> rate(r.session(), baseline.apply(r))).toArray();
        double[] engine = runs.stream().mapToDouble(r -> rate(r.engine(), baseline.apply(r))).toArray();
        double s = median(session);
        String line = String.format("%-18s %-40s %6.2f [%5.2f]   target >= %s  %s", mailbox, what, s, median(engine),
                goal, s >= goal ? "met" : "NOT met");
        if (runs.size() > 1) {
            List<String> each = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                each.add(String.format("%.2f [%.2f]", session[i], engine[i]));
            }
            line += "  (median of " + runs.size() + " rounds: " + String.join(", ", each) + ")";
        }
        return line;
    }

    private static double rate(Timing t, Timing baseline) {
        return t.messagesPerSecond() / baseline.messagesPerSecond();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Timing faster(Timing a, Timing b) {
        return a.messagesPerSecond() >= b.messagesPerSecond() ? a : b;
    }

    /** fetchmail delivering over LMTP into Dovecot, on its own copy of the mailbox; null when not installed. */
    private static Timing fetchmailRow(Path benchDir, Dovecot dovecot, Case c, Optional<Path> fetchmail, long bytes,
                                       Timing pop3) throws IOException {
        if (fetchmail.isEmpty()) {
            System.out.printf("%-18s %s%n", "", "fetchmail -> LMTP: not installed (apt-get install fetchmail), row skipped");
            return null;
        }
        Path work = Files.createTempDirectory(benchDir, "fetchmail-");
        LEFTOVERS.add(work);
        String source = c.user() + "-fetchmail";
        String recipient = lmtpRecipient("fetchmail", c.user());
        int before = dovecot.messageCount(recipient);
        Duration elapsed;
        try {
            elapsed = ExternalFetchers.fetchmailToLmtp(fetchmail.get(), work, dovecot.host(), dovecot.pop3Port(),
                    source, PASSWORD, dovecot.lmtpPort(), recipient);
        } catch (IOException e) {
            System.out.printf("%-18s %s%n", "", "fetchmail -> LMTP: failed: " + e.getMessage().lines().limit(3)
                    .reduce((x, y) -> x + " / " + y).orElse(""));
            return null;
        }
        check(c, dovecot.messageCount(recipient) - before);
        if (dovecot.messageCount(source) != 0) {
            throw new IllegalStateException("fetchmail left " + dovecot.messageCount(source) + " messages on the server");
        }
        Timing t = new Timing(c.count(), bytes, elapsed);
        print("", "fetchmail -> Dovecot LMTP (deletes)", t, pop3, null);
        return t;
    }

    /** getmail6 into a Maildir on the bench disk, on its own copy of the mailbox. */
    private static void getmailRow(Path benchDir, Dovecot dovecot, Case c, Optional<Path> getmail, long bytes,
                                   Timing pop3, boolean afterDeletes) throws IOException, InterruptedException {
        if (getmail.isEmpty()) {
            System.out.printf("%-18s %s%n", "", "getmail6 -> Maildir: not installed (apt-get install getmail6), row skipped");
            return;
        }
        if (afterDeletes && c.count() > 100) {
            // fetchmail's session just expunged a mailbox: ext4's recently_deleted() would slow these creations
            Thread.sleep(RECENTLY_DELETED_PAUSE.toMillis());
        }
        Path work = Files.createTempDirectory(benchDir, "getmail-");
        LEFTOVERS.add(work);
        // getmail delivers as the mail user (it refuses root), who must reach the Maildir: not below a 0700 temp dir
        Path maildir = benchDir.resolve("getmail-maildir-" + System.nanoTime());
        LEFTOVERS.add(maildir);
        for (String sub : List.of("", "tmp", "new", "cur")) {
            Files.createDirectories(maildir.resolve(sub));
        }
        ExternalFetchers.chown(maildir, Dovecot.MAIL_USER);
        String source = c.user() + "-getmail";
        long started = System.nanoTime();
        String failure = null;
        Duration elapsed;
        try {
            elapsed = ExternalFetchers.getmailToMaildir(getmail.get(), work, dovecot.host(), dovecot.pop3Port(),
                    source, PASSWORD, maildir, Dovecot.MAIL_USER);
        } catch (IOException e) {
            // another program's failure is a finding, not the end of the run
            elapsed = Duration.ofNanos(System.nanoTime() - started);
            failure = e.getMessage().lines().filter(l -> !l.isBlank()).skip(1).findFirst().orElse(e.getMessage());
        }
        int delivered;
        try (Stream<Path> files = Files.list(maildir.resolve("new"))) {
            delivered = (int) files.count();
        }
        if (failure == null) {
            check(c, delivered);
            if (dovecot.messageCount(source) != 0) {
                throw new IllegalStateException("getmail left " + dovecot.messageCount(source) + " messages on the server");
            }
            print("", "getmail6 -> Maildir (no dir fsync)", new Timing(c.count(), bytes, elapsed), pop3, null);
        } else if (failure.contains("timed out")) {
            // getmail6's known parent/child race (github.com/getmail6/getmail6 issues 52, 226): a child's exit
            // signal lost, the parent waits its 60 s and gives up; the rate is over the time before that wait
            Duration working = elapsed.minus(GETMAIL_CHILD_WAIT);
            print("", "getmail6 -> Maildir, first " + delivered + " msgs", new Timing(delivered,
                    (long) delivered * c.size(), working), pop3, null);
            System.out.printf("%-18s   (then getmail6 stopped: \"%s\", its known child-wait race;%n%-18s    the rate "
                    + "above leaves out its %d s wait)%n", "", failure.strip(), "", GETMAIL_CHILD_WAIT.toSeconds());
        } else {
            System.out.printf("%-18s %s%n", "", "getmail6 -> Maildir: failed after " + delivered + " messages: "
                    + failure.strip());
        }
        if (c.count() > 100) {
            // and its own expunge must not slow the next mailbox's measurements
            Thread.sleep(RECENTLY_DELETED_PAUSE.toMillis());
        }
    }

    /** The Dovecot user that {@code who}'s LMTP deliveries of {@code user}'s mailbox go to. */
    private static String lmtpRecipient(String who, String user) {
        return who + "-" + user + "@" + LMTP_DOMAIN;
    }

    private static void addUser(Dovecot dovecot, String user) {
        try {
            dovecot.addUser(user, PASSWORD);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
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
                Run mf = mailfetch(benchDir, dovecot, c, pem, batchSize, bytes, true, false, null, 1);
                String name = "mailfetch IMAP " + batchSize + (rounds > 1 ? " #" + round : "");
                print("", "raw durable write (dir/" + batchSize + ")", disk, null, null);
                print("", name + " session", mf.session(), imap, disk);
                print("", name + " +engine", mf.engine(), imap, disk);
            }
        }
    }

    /** Baseline runs taken around a measured mailfetch session. */
    private interface Baselines {
        Timing[] take() throws IOException;
    }

    /**
     * A measured mailfetch session: its time with the engine's start and stop added, the session's own
     * time (from its summary: after login and UIDL listing until QUIT, after the last group commit), and
     * the baselines taken around it (each the mean of the run before and the run right after).
     */
    private record Run(Timing engine, Timing session, Timing[] baselines) {
    }

    /**
     * One measured mailfetch session into a fresh data dir, in an engine that has run the warm-up
     * sessions, the fastest of {@code measured} sessions (each of a new account, so each downloads
     * the whole mailbox); {@code bracket} (may be null) is run before them, once the warm-ups are done
     * (one more warm-up session follows it), and right after the engine's stop.
     */
    private static Run mailfetch(Path benchDir, Dovecot dovecot, Case c, String pem, int batchSize, long bytes,
                                 boolean imap, boolean lmtp, Baselines bracket, int measured) throws Exception {
        Path dataDir = Files.createTempDirectory(benchDir, "data-");
        LEFTOVERS.add(dataDir);
        Properties extra = new Properties();
        extra.setProperty("mailfetch.fetch.batch-size", Integer.toString(batchSize));
        // the default timeouts: the fixture's short test values would only matter on a stall
        extra.setProperty("mailfetch.fetch.read-timeout", "120s");
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir, extra)) {
            String recipient = lmtpRecipient("mailfetch", c.user());
            if (lmtp) {
                // an LMTP domain (as `domain add --lmtp`), and the accounts' owner in it: every message goes there
                fixture.services().directory().addDomain(LMTP_DOMAIN, null,
                        LmtpTarget.parse(dovecot.host() + ":" + dovecot.lmtpPort()));
                fixture.services().directory().addMailbox(recipient);
            }
            if (WARM_UP_SESSIONS > 0) {
                fixture.services().directory().addMailbox(WARM_UP_OWNER);
            }
            int before = lmtp ? dovecot.messageCount(recipient) : 0;
            SessionSummary s = null;
            long fastest = Long.MAX_VALUE;
            Duration cpu = null;
            Duration jit = null;
            int warmUps;
            Timing[] baselinesBefore = null;
            // One engine, as a running service has: the warm-up sessions first (not reported; as the raw
            // clients' first pass they let the JIT compile the per-message path), then the measured ones.
            // "+engine" adds the engine's start and stop to the measured session, as `account fetch` pays.
            long started = System.nanoTime();
            long startup;
            long stop;
            FetchEngine engine = new FetchEngine(fixture.services(), FetchEngine.Mode.SINGLE_SESSION, Clock.systemUTC());
            try {
                engine.start();
                startup = System.nanoTime() - started;
                warmUps = 0;
                double jitShare = 1;
                while (warmUps < WARM_UP_SESSIONS || warmUps > 0 && warmUps < WARM_UP_MAX && jitShare > WARM_UP_JIT_SHARE) {
                    jitShare = warmUp(engine, warmUpAccount(fixture, dovecot, c, pem, ++warmUps), c);
                }
                if (bracket != null) {
                    baselinesBefore = bracket.take();
                    if (warmUps > 0) {
                        // the raw runs go through JDK code the session shares (sockets, file channels) and
                        // can make the JIT drop what it compiled for the session: one more session first
                        warmUp(engine, warmUpAccount(fixture, dovecot, c, pem, ++warmUps), c);
                    }
                }
                if (warmUps > 0) {
                    awaitCompilerQuiet();
                }
                for (int i = 1; i <= measured; i++) {
                    Account a = measuredAccount(fixture, dovecot, c, pem, imap, lmtp, recipient, i);
                    long measuredAt = System.nanoTime();
                    long cpuBefore = PROCESS.getProcessCpuTime();
                    Map<String, Long> threadsBefore = ThreadCpu.byThread();
                    SessionSummary one = engine.fetchOnce(a.id());
                    long took = System.nanoTime() - measuredAt;
                    Duration cpuOfOne = Duration.ofNanos(PROCESS.getProcessCpuTime() - cpuBefore);
                    Map<String, Long> threadsAfter = ThreadCpu.byThread();
                    if (THREAD_CPU) {
                        System.out.println("  CPU of the measured session by thread (ms): "
                                + ThreadCpu.top(threadsBefore, threadsAfter, 10));
                    }
                    if (one.result() != SessionSummary.Result.OK) {
                        throw new IllegalStateException("mailfetch session failed: " + one.line());
                    }
                    check(c, one.delivered());
                    if (lmtp && !Map.of("lmtp", c.count()).equals(one.copiesByTarget())) {
                        throw new IllegalStateException("expected every copy over LMTP, got " + one.copiesByTarget());
                    }
                    if (s == null || Duration.between(one.start(), one.end()).compareTo(Duration.between(s.start(), s.end())) < 0) {
                        s = one;
                        fastest = took;
                        cpu = cpuOfOne;
                        jit = Duration.ofMillis(ThreadCpu.compilers(threadsBefore, threadsAfter));
                    }
                }
                stop = System.nanoTime();
            } finally {
                engine.close();
            }
            stop = System.nanoTime() - stop;
            Duration wall = Duration.ofNanos(startup + fastest + stop);
            Timing[] around = null;
            if (bracket != null) {
                Timing[] after = bracket.take();
                around = new Timing[after.length];
                for (int i = 0; i < after.length; i++) {
                    around[i] = new Timing(after[i].messages(), after[i].bytes(),
                            baselinesBefore[i].elapsed().plus(after[i].elapsed()).dividedBy(2));
                }
            }
            if (lmtp) {
                check(c, measured, dovecot.messageCount(recipient) - before);
            } else {
                try (Stream<Path> files = Files.list(fixture.dataDir().resolve("mailboxes/example.com/alice/new"))) {
                    check(c, measured, (int) files.count());
                }
            }
            return new Run(new Timing(s.delivered(), bytes, wall),
                    new Timing(s.delivered(), bytes, Duration.between(s.start(), s.end()), cpu, jit, warmUps), around);
        }
    }

    /** The {@code n}th measured account: all of them fetch the case's mailbox, into one Maildir or one LMTP recipient. */
    private static Account measuredAccount(MailfetchFixture fixture, Dovecot dovecot, Case c, String pem, boolean imap,
                                           boolean lmtp, String lmtpRecipient, int n) {
        String name = "bench " + n;
        if (imap) {
            return fixture.addImapAccount(name, c.tls() ? Security.SSL : Security.NONE,
                    c.tls() ? dovecot.imapsPort() : dovecot.imapPort(), c.tls() ? pem : null, c.user(), PASSWORD,
                    DeleteMode.NEVER, ImapOptions.DEFAULT);
        }
        if (!lmtp) {
            return fixture.addAccount(name, c.tls() ? Security.SSL : Security.NONE,
                    c.tls() ? dovecot.pop3sPort() : dovecot.pop3Port(), c.tls() ? pem : null, c.user(), PASSWORD,
                    DeleteMode.NEVER);
        }
        Account p = MailfetchFixture.account(name, c.tls() ? Security.SSL : Security.NONE,
                c.tls() ? dovecot.pop3sPort() : dovecot.pop3Port(), c.tls() ? pem : null, c.user(), DeleteMode.NEVER);
        return fixture.services().accounts().add(new Account(p.id(), p.name(), p.enabled(), p.protocol(), p.host(),
                p.port(), p.security(), p.userName(), p.trustCertPem(), p.intervalMinutes(), p.mimeRecipients(),
                p.recipientHeaders(), p.envelopeHeaders(), p.routeRecipients(), p.receivedDate(), p.antispam(),
                p.antivirus(), p.deleteMode(), lmtpRecipient, p.createdAt()), PASSWORD);
    }

    /** One unreported session of {@code account}; returns the JIT compilers' share of the JVM's CPU during it. */
    private static double warmUp(FetchEngine engine, Account account, Case c) throws Exception {
        long cpuBefore = PROCESS.getProcessCpuTime();
        Map<String, Long> threadsBefore = ThreadCpu.byThread();
        SessionSummary w = engine.fetchOnce(account.id());
        if (w.result() != SessionSummary.Result.OK || w.delivered() != c.count()) {
            throw new IllegalStateException("mailfetch warm-up session failed: " + w.line());
        }
        return ThreadCpu.compilers(threadsBefore, ThreadCpu.byThread()) * 1e6
                / Math.max(1, PROCESS.getProcessCpuTime() - cpuBefore);
    }

    /**
     * Another account on the same server mailbox (POP3 also for the IMAP rows: it warms the path they
     * share), owned by another Maildir of the same data dir.
     */
    private static Account warmUpAccount(MailfetchFixture fixture, Dovecot dovecot, Case c, String pem, int n) {
        Account p = MailfetchFixture.account("warm-up " + n, c.tls() ? Security.SSL : Security.NONE,
                c.tls() ? dovecot.pop3sPort() : dovecot.pop3Port(), c.tls() ? pem : null, c.user(), DeleteMode.NEVER);
        return fixture.services().accounts().add(new Account(p.id(), p.name(), p.enabled(), p.protocol(), p.host(),
                p.port(), p.security(), p.userName(), p.trustCertPem(), p.intervalMinutes(), p.mimeRecipients(),
                p.recipientHeaders(), p.envelopeHeaders(), p.routeRecipients(), p.receivedDate(), p.antispam(),
                p.antivirus(), p.deleteMode(), WARM_UP_OWNER, p.createdAt()), PASSWORD);
    }

    /**
     * Waits (at most 20 s) until the JIT compilers have been idle for half a second: what the warm-up
     * session made hot, and the engine's start before it, is compiled, as in a service that has run for
     * a while, and the compiler threads do not take the measured session's CPU (2 cores here).
     */
    private static void awaitCompilerQuiet() throws InterruptedException {
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long last = jit.getTotalCompilationTime();
        int quiet = 0;
        while (quiet < 5 && System.nanoTime() < giveUp) {
            Thread.sleep(100);
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    private static Timing rawDurableWrite(Path benchDir, int count, byte[] content, int dirSyncEvery) throws IOException {
        Path maildir = Files.createTempDirectory(benchDir, "raw-");
        LEFTOVERS.add(maildir);
        RawDurableWrite.Result r = RawDurableWrite.write(maildir, count, content, dirSyncEvery);
        return new Timing(r.files(), r.bytes(), r.elapsed());
    }

    private static Timing rawConcurrentWrite(Path benchDir, int count, byte[] content, int batchSize)
            throws IOException {
        Path maildir = Files.createTempDirectory(benchDir, "raw-");
        LEFTOVERS.add(maildir);
        RawDurableWrite.Result r = RawDurableWrite.writeConcurrent(maildir, count, content, batchSize, FSYNC_THREADS);
        return new Timing(r.files(), r.bytes(), r.elapsed());
    }

    private static void check(Case c, int sessions, int messages) {
        if (messages != sessions * c.count()) {
            throw new IllegalStateException(c.label() + ": expected " + (sessions == 1 ? "" : sessions + " x ")
                    + c.count() + " messages, got " + messages);
        }
    }

    private static void check(Case c, int messages) {
        check(c, 1, messages);
    }

    private static void print(String mailbox, String what, Timing t, Timing pop3, Timing disk) {
        // CPU per message does not swing with the disk and the neighbours as the rates do: it shows a
        // change in mailfetch's own cost where the ratios are within their noise
        String cpu = t.cpu() == null ? "" : String.format("  cpu %.0f us/msg (JIT %.0f), %d warm-ups",
                t.cpu().toNanos() / 1e3 / t.messages(), t.jit().toNanos() / 1e3 / t.messages(), t.warmUps());
        System.out.printf("%-18s %-38s %9.0f %8.1f %8.2f %7s %7s%s%n", mailbox, what, t.messagesPerSecond(),
                t.megabytesPerSecond(), t.seconds(), ratio(t, pop3), ratio(t, disk), cpu);
    }

    private static String ratio(Timing t, Timing baseline) {
        return baseline == null ? "" : String.format("%.2f", rate(t, baseline));
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
