package org.mailfetch.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import java.time.Clock;

import org.mailfetch.fetch.FetchContext;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.fetch.pop3.Pop3Client;
import org.mailfetch.fetch.pop3.Pop3Retriever;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The scale cases of issue 12 that need no second service: a big mailbox (default 100,000 messages
 * already in the ledger, 100 new ones: the session must list, diff and deliver in under 2 s) and a
 * huge message (default 200 MB, fetched by a JVM run with -Xmx128m by {@code bench/scale}, and
 * compared byte for byte). Prints times, heap and threads. Run it through {@code bench/scale}.
 *
 * <p>System properties: {@code bench.dir}, {@code bench.scale.messages} (100000),
 * {@code bench.scale.new} (100), {@code bench.scale.case} ({@code mailbox} or {@code huge}),
 * {@code bench.scale.huge-mb} (200).
 */
public final class MailboxScaleBench {

    private static final String PASSWORD = "bench";

    private MailboxScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        Path benchDir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        Files.createDirectories(benchDir);
        String which = System.getProperty("bench.scale.case", "mailbox");
        try (Dovecot dovecot = Dovecot.start()) {
            if (which.equals("huge")) {
                huge(benchDir, dovecot, Integer.getInteger("bench.scale.huge-mb", 200));
            } else {
                mailbox(benchDir, dovecot, Integer.getInteger("bench.scale.messages", 100_000),
                        Integer.getInteger("bench.scale.new", 100));
            }
        }
    }

    private static void mailbox(Path benchDir, Dovecot dovecot, int old, int fresh) throws Exception {
        dovecot.addUser("big", PASSWORD);
        long t0 = System.nanoTime();
        BenchMailbox.fill(dovecot, "big", old, 2048);
        List<String> uidls = uidls(dovecot, "big"); // also lets Dovecot index the mailbox once
        System.out.printf("big mailbox: %d messages on the server (filled and indexed in %.1f s)%n", uidls.size(),
                (System.nanoTime() - t0) / 1e9);
        Path dataDir = Files.createTempDirectory(benchDir, "scale-");
        Properties extra = new Properties();
        extra.setProperty("mailfetch.fetch.read-timeout", "120s");
        extra.setProperty("mailfetch.fetch.max-listing", String.valueOf(old + fresh + 1000));
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir, extra)) {
            Account a = fixture.addAccount("big", Security.NONE, dovecot.pop3Port(), null, "big", PASSWORD,
                    DeleteMode.NEVER);
            long l0 = System.nanoTime();
            fixture.services().ledger().record(a.id(), uidls, Instant.now());
            System.out.printf("ledger: %d rows recorded in %.1f s%n", fixture.ledgerSize(a.id()), (System.nanoTime() - l0) / 1e9);
            // a first session with nothing new: warms the JIT and the engine as a running service would be
            report("nothing new (warm-up)", fixture.fetch(a.id()));
            for (int i = 0; i < fresh; i++) {
                dovecot.deliver("big", BenchMailbox.message(old + i, 4096, "big@example.org"));
            }
            report(fresh + " new of " + (old + fresh), fixture.fetch(a.id()));
            report("nothing new", fixture.fetch(a.id()));
            phases(fixture, a, dovecot, Integer.getInteger("bench.scale.rounds", 5));
        }
        heap();
    }

    /**
     * Where a session's time goes before its first download, each part alone, median of {@code rounds}:
     * login and the two listings one command at a time and pipelined (our POP3 client), the ledger
     * load, and the retriever's connect (login, STAT, the listings as a session does them).
     */
    private static void phases(MailfetchFixture fixture, Account a, Dovecot dovecot, int rounds) throws Exception {
        Pop3Client.Endpoint endpoint = new Pop3Client.Endpoint(dovecot.host(), dovecot.pop3Port(), Security.NONE, null,
                Duration.ofSeconds(5), Duration.ofSeconds(120));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        FetchContext context = FetchContext.from(fixture.services().settings(), Clock.systemUTC(), pool, pool);
        Map<String, List<Double>> times = new LinkedHashMap<>();
        for (int i = 0; i < rounds; i++) {
            for (boolean pipelined : new boolean[] {false, true}) {
                long t0 = System.nanoTime();
                try (Pop3Client c = Pop3Client.open(endpoint, Long.MAX_VALUE)) {
                    c.login("big", PASSWORD);
                    int count = c.stat();
                    long[] sizes = new long[count + 1];
                    String[] keys = new String[count + 1];
                    c.listAndUidl(count, pipelined, (n, v) -> sizes[n] = Long.parseLong(v), (n, v) -> keys[n] = v);
                }
                times.computeIfAbsent(pipelined ? "login, STAT, LIST+UIDL pipelined" : "login, STAT, LIST, UIDL",
                        k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e9);
            }
            long t0 = System.nanoTime();
            int rows = fixture.services().ledger().rows(a.id()).size();
            times.computeIfAbsent("ledger load (" + rows + " rows)", k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            try (Pop3Retriever r = Pop3Retriever.connect(a, new Credential.Password(PASSWORD), context,
                    System.nanoTime() + Duration.ofMinutes(5).toNanos())) {
                r.listing();
            }
            times.computeIfAbsent("retriever connect (as a session)", k -> new ArrayList<>())
                    .add((System.nanoTime() - t0) / 1e9);
        }
        pool.shutdown();
        System.out.printf("  parts of a session, median of %d (min-max):%n", rounds);
        times.forEach((what, t) -> {
            List<Double> sorted = t.stream().sorted().toList();
            System.out.printf("    %-40s %6.2f s (%.2f-%.2f)%n", what, sorted.get(sorted.size() / 2), sorted.get(0),
                    sorted.get(sorted.size() - 1));
        });
    }

    private static void report(String what, SessionSummary s) {
        if (s.result() != SessionSummary.Result.OK) {
            throw new IllegalStateException("session failed: " + s.line());
        }
        System.out.printf("  %-28s session %6.2f s, delivered %d%n", what,
                Duration.between(s.start(), s.end()).toMillis() / 1000.0, s.delivered());
    }

    private static void huge(Path benchDir, Dovecot dovecot, int megabytes) throws Exception {
        dovecot.addUser("huge", PASSWORD);
        dovecot.deliver("huge", BenchMailbox.message(0, 4096, "huge@example.org")); // creates the Maildir
        Files.delete(firstFile(dovecot.maildir("huge").resolve("new")));
        // written as a stream: this JVM runs with a heap smaller than the message
        String expected = writeHuge(dovecot.maildir("huge"), (long) megabytes * 1024 * 1024);
        Path dataDir = Files.createTempDirectory(benchDir, "huge-");
        Properties extra = new Properties();
        extra.setProperty("mailfetch.fetch.read-timeout", "120s");
        extra.setProperty("mailfetch.fetch.max-message-size", (megabytes + 10) + "MiB");
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir, extra)) {
            Account a = fixture.addAccount("huge", Security.NONE, dovecot.pop3Port(), null, "huge", PASSWORD,
                    DeleteMode.NEVER);
            long t0 = System.nanoTime();
            SessionSummary s = fixture.fetch(a.id());
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (s.result() != SessionSummary.Result.OK || s.delivered() != 1) {
                throw new IllegalStateException("session failed: " + s.line());
            }
            Path file;
            try (Stream<Path> files = Files.list(dataDir.resolve("mailboxes/example.com/alice/new"))) {
                file = files.findFirst().orElseThrow();
            }
            String got = sha256(withoutTraceHeaders(file));
            System.out.printf("huge message: %d MB with -Xmx%d MB: %.1f s (%.1f MB/s), byte-exact: %s%n", megabytes,
                    Runtime.getRuntime().maxMemory() >> 20, seconds, megabytes / seconds, got.equals(expected));
            if (!got.equals(expected)) {
                throw new IllegalStateException("the delivered message differs from the one on the server");
            }
        }
        heap();
    }

    private static Path firstFile(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findFirst().orElseThrow();
        }
    }

    /** A message of {@code size} bytes (LF line ends, base64-like lines) into new/; returns its SHA-256. */
    private static String writeHuge(Path maildir, long size) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        Path tmp = maildir.resolve("tmp").resolve(System.nanoTime() + ".huge.bench");
        java.util.Random random = new java.util.Random(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            byte[] head = ("From: sender@example.org\nTo: huge@example.org\nSubject: huge\n"
                    + "Message-ID: <huge@example.org>\nMIME-Version: 1.0\nContent-Type: application/octet-stream\n"
                    + "Content-Transfer-Encoding: base64\n\n").getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            d.update(head);
            long written = head.length;
            byte[] line = new byte[77];
            line[76] = '\n';
            while (written < size) {
                for (int i = 0; i < 76; i++) {
                    line[i] = (byte) alphabet.charAt(random.nextInt(64));
                }
                int n = (int) Math.min(line.length, size - written);
                if (n < line.length) {
                    line[n - 1] = '\n';
                }
                out.write(line, 0, n);
                d.update(line, 0, n);
                written += n;
            }
        }
        Files.move(tmp, maildir.resolve("new").resolve(tmp.getFileName()));
        return HexFormat.of().formatHex(d.digest());
    }

    /** The delivered file minus the lines mailfetch adds on top (X-Mailfetch-*, its Received line). */
    private static Path withoutTraceHeaders(Path file) throws Exception {
        Path stripped = file.resolveSibling("../../stripped");
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
             var out = new java.io.BufferedOutputStream(Files.newOutputStream(stripped), 1 << 16)) {
            boolean top = true;
            while (top) {
                in.mark(64 * 1024);
                String line = readLine(in);
                if (line == null || !(line.startsWith("X-Mailfetch-") || line.startsWith("Received: from")
                        && line.contains("mailfetch") || line.startsWith("\t") || line.startsWith(" "))) {
                    in.reset();
                    top = false;
                }
            }
            in.transferTo(out);
        }
        return stripped;
    }

    private static String readLine(java.io.InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != -1; c = in.read()) {
            if (c == '\n') {
                return b.toString();
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** The server's UIDL listing, read with a plain POP3 exchange. */
    private static List<String> uidls(Dovecot dovecot, String user) throws Exception {
        try (Socket s = new Socket(dovecot.host(), dovecot.pop3Port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            for (String cmd : List.of("USER " + user, "PASS " + PASSWORD)) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (!in.readLine().startsWith("+OK")) {
                    throw new IllegalStateException(cmd.split(" ")[0] + " refused");
                }
            }
            out.write("UIDL\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.readLine();
            List<String> uidls = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.equals("."); line = in.readLine()) {
                uidls.add(line.substring(line.indexOf(' ') + 1));
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return uidls;
        }
    }

    private static void heap() {
        System.gc();
        var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        System.out.printf("heap after GC: %d MB used of %d MB max; threads: %d%n", mem.getUsed() >> 20,
                mem.getMax() >> 20, ManagementFactory.getThreadMXBean().getThreadCount());
    }
}
