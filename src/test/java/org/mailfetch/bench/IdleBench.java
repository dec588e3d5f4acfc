package org.mailfetch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.mailfetch.account.ImapOptions;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.fetch.imap.IdleWatchers;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The IDLE scaling run (issue 10, item 5): N IMAP accounts with IDLE (interval 30 minutes) against
 * the private Dovecot, in one running service. Prints the time until every account idles, the JVM's
 * threads (by pool) and heap after a GC once all idle, the time from an IMAP APPEND to the Maildir
 * file for a sample of accounts one after the other, and the time until one message appended to
 * every account is delivered. Run it through {@code bench/run --idle N} (as root, for Dovecot).
 *
 * <p>System properties: {@code bench.dir} (data dir parent; default {@code target/bench}),
 * {@code bench.idle.accounts} (N, default 1000), {@code bench.idle.sample} (APPENDs timed one by
 * one, default 20), {@code bench.idle.all} ({@code true}: also one message to each account at
 * once; default true).
 */
public final class IdleBench {

    private static final String PASSWORD = "bench";
    private static final ImapOptions IDLE = new ImapOptions(List.of("INBOX"), null, false, true);

    private IdleBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.getInteger("bench.idle.accounts", 1000);
        int sample = Integer.getInteger("bench.idle.sample", 20);
        boolean all = Boolean.parseBoolean(System.getProperty("bench.idle.all", "true"));
        Path dir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        Files.createDirectories(dir);
        Path dataDir = Files.createTempDirectory(dir, "idle-data-");
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        try (Dovecot dovecot = Dovecot.start()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                dovecot.addUser(user(i), PASSWORD);
            }
            System.err.printf("%d Dovecot users in %.1f s%n", n, seconds(t0));
            Properties p = new Properties();
            p.setProperty("mailfetch.fetch.read-timeout", "60s");
            p.setProperty("mailfetch.fetch.connect-timeout", "30s");
            p.setProperty("mailfetch.accounts.reconcile-interval", "5s");
            try (MailfetchFixture fixture = new MailfetchFixture(dataDir, p)) {
                List<Account> accounts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    accounts.add(fixture.addImapAccount("idle" + i, Security.NONE, dovecot.imapPort(), null, user(i),
                            PASSWORD, DeleteMode.IMMEDIATELY, IDLE));
                }
                Path inbox = dataDir.resolve("mailboxes/example.com/alice/new");
                try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE,
                        Clock.systemUTC())) {
                    long start = System.nanoTime();
                    service.start();
                    IdleWatchers idle = service.idleWatchers();
                    while (idle.liveConnections() < n) {
                        if (seconds(start) > 900) {
                            throw new IllegalStateException("only " + idle.liveConnections() + " of " + n
                                    + " accounts idle after 15 min");
                        }
                        Thread.sleep(200);
                    }
                    double allLive = seconds(start);
                    // the timer's first session of every account (empty mailboxes) must be over
                    while (accounts.stream().anyMatch(a -> fixture.services().status().get(a.id()).lastEnd() == null)) {
                        Thread.sleep(500);
                    }
                    Thread.sleep(2000);
                    System.gc();
                    Thread.sleep(500);
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
                    Map<String, Integer> pools = threadPools();

                    List<Long> latencies = new ArrayList<>();
                    for (int k = 0; k < sample; k++) {
                        int i = (int) ((long) k * n / Math.max(1, sample));
                        long before = count(inbox);
                        ImapServer.Mailbox remote = ImapServer.mailbox(dovecot.imapPort(), user(i), PASSWORD);
                        long t = System.nanoTime();
                        remote.append("INBOX", "sample " + k + "\n");
                        while (count(inbox) <= before) {
                            if (seconds(t) > 120) {
                                throw new IllegalStateException("sample " + k + " not delivered within 2 min");
                            }
                            Thread.sleep(5);
                        }
                        latencies.add((System.nanoTime() - t) / 1_000_000);
                    }
                    double allDelivered = -1;
                    if (all) {
                        long before = count(inbox);
                        long t = System.nanoTime();
                        for (int i = 0; i < n; i++) {
                            ImapServer.mailbox(dovecot.imapPort(), user(i), PASSWORD).append("INBOX", "to all\n");
                        }
                        double appended = seconds(t);
                        while (count(inbox) < before + n) {
                            if (seconds(t) > 900) {
                                throw new IllegalStateException((count(inbox) - before) + " of " + n
                                        + " delivered after 15 min");
                            }
                            Thread.sleep(50);
                        }
                        allDelivered = seconds(t);
                        System.err.printf("appending to all took %.1f s%n", appended);
                    }
                    int peak = ManagementFactory.getThreadMXBean().getPeakThreadCount();
                    Collections.sort(latencies);
                    System.out.printf("IDLE scaling: %d IMAP accounts with IDLE against Dovecot (plain IMAP, loopback)%n", n);
                    System.out.printf("  all idling after            %8.1f s%n", allLive);
                    System.out.printf("  IDLE connections live       %8d%n", idle.liveConnections());
                    System.out.printf("  JVM threads (all)           %8d   (before the service: %d; peak %d)%n", threads,
                            threadsBefore, peak);
                    pools.forEach((name, c) -> System.out.printf("    %-26s %8d%n", name, c));
                    System.out.printf("  heap used after GC          %8.1f MB   (max %d MB)%n", heap / 1e6,
                            Runtime.getRuntime().maxMemory() >> 20);
                    if (!latencies.isEmpty()) {
                        System.out.printf("  APPEND -> Maildir, %d one by one: median %d ms, p90 %d ms, max %d ms%n",
                                latencies.size(), latencies.get(latencies.size() / 2),
                                latencies.get(Math.min(latencies.size() - 1, latencies.size() * 9 / 10)),
                                latencies.get(latencies.size() - 1));
                    }
                    if (all) {
                        System.out.printf("  one message to each of %d: all delivered %.1f s after the first APPEND%n",
                                n, allDelivered);
                    }
                }
            }
        }
    }

    private static String user(int i) {
        return String.format("idle%04d", i);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** Live threads by name, digits dropped: "mailfetch-idle-3" counts as "mailfetch-idle-". */
    private static Map<String, Integer> threadPools() {
        Map<String, Integer> pools = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName().replaceAll("\\d+", "").replaceAll("\\s+", " ");
            if (name.length() > 26) {
                name = name.substring(0, 26);
            }
            pools.merge(name, 1, Integer::sum);
        }
        return pools;
    }
}
