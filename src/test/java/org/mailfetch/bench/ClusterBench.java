package org.mailfetch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.mailfetch.testsupport.ClusterFixture;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.Postgres;

/**
 * Issue 13's benchmark note: the same work for 1 node and for 3 nodes on one private PostgreSQL —
 * N POP3 accounts on a private Dovecot, M small messages waiting in each, delivering by LMTP into the
 * same Dovecot ({@link ClusterFixture}, as ClusterIT) — each round on a fresh database and fresh
 * mailboxes. Times the nodes' start until every server mailbox is empty and prints sessions and
 * messages per second, the sessions each node ran (its log's {@code session ok: downloaded N}, N > 0),
 * heap after a full GC, threads and CPU time per node, the load average, and whether every message
 * arrived exactly once. Nothing is asserted on times. Run it through {@code bench/cluster} (as root).
 *
 * <p>System properties: {@code bench.dir}, {@code bench.cluster.accounts} (300),
 * {@code bench.cluster.messages} (5), {@code bench.cluster.size} (4096 bytes),
 * {@code bench.cluster.nodes} (1,3), {@code bench.cluster.xmx} (256m per node),
 * {@code bench.cluster.timeout} (300 s per round).
 */
public final class ClusterBench {

    private static final String PASSWORD = "bench-secret";
    private static final Pattern OK = Pattern.compile("session ok: downloaded (\\d+),.* in ([0-9.]+) s");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final Pattern RECONCILED = Pattern.compile(
            "(?m)^(\\S+ \\S+) .*reconciled: (\\d+) account routes added, .* in (\\d+) ms");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private ClusterBench() {
    }

    /** One node's figures after its round. */
    private record NodeFigures(String name, double routesUp, double addingRoutes, int delivering, int empty, int failed,
                               double meanSession, long heapMb, int threads, double cpuSeconds) {
    }

    /** One round's figures. */
    private record Round(int nodes, double setUp, double firstDone, double allDone, int done, List<NodeFigures> perNode,
                         int problems, String loadBefore, String loadAfter) {
    }

    public static void main(String[] args) throws Exception {
        Path benchDir = Path.of(System.getProperty("bench.dir", "target/bench-cluster")).toAbsolutePath();
        Files.createDirectories(benchDir);
        int accounts = Integer.getInteger("bench.cluster.accounts", 300);
        int messages = Integer.getInteger("bench.cluster.messages", 5);
        int size = Integer.getInteger("bench.cluster.size", 4096);
        String xmx = System.getProperty("bench.cluster.xmx", "256m");
        int timeout = Integer.getInteger("bench.cluster.timeout", 300);
        List<Integer> nodeCounts = new ArrayList<>();
        for (String n : System.getProperty("bench.cluster.nodes", "1,3").split(",")) {
            nodeCounts.add(Integer.parseInt(n.strip()));
        }
        System.out.printf("cluster bench: %d accounts x %d messages of %d B waiting, POP3 from and LMTP into one private"
                        + " Dovecot, interval 1 min, -Xmx%s per node, one private PostgreSQL; %d cores%n", accounts,
                messages, size, xmx, Runtime.getRuntime().availableProcessors());
        List<Round> rounds = new ArrayList<>();
        try (Postgres postgres = Postgres.start(); Dovecot dovecot = Dovecot.start()) {
            for (int r = 0; r < nodeCounts.size(); r++) {
                Path dir = Files.createTempDirectory(benchDir, nodeCounts.get(r) + "-nodes-");
                ClusterFixture cluster = new ClusterFixture(postgres, dovecot, dir, PASSWORD, "r" + (r + 1) + "-");
                rounds.add(round(cluster, dir, nodeCounts.get(r), accounts, messages, size, xmx, timeout));
            }
        }
        print(rounds, accounts, messages);
        // a benchmark whose mail did not arrive exactly once (or not at all) measured nothing worth quoting
        if (rounds.stream().anyMatch(r -> r.problems() > 0 || r.done() < accounts)) {
            System.out.println("cluster bench FAILED: not every account's mail arrived exactly once (see above)");
            System.exit(1);
        }
    }

    private static Round round(ClusterFixture cluster, Path dir, int nodes, int accounts, int messages, int size,
                               String xmx, int timeout) throws Exception {
        long s0 = System.nanoTime();
        cluster.addAccounts(accounts, messages, size);
        double setUp = seconds(s0);
        System.out.printf("%d node(s): %d accounts set up in %.1f s (fresh database and mailboxes); starting the nodes%n",
                nodes, accounts, setUp);
        String loadBefore = loadAverage();
        List<ForkedMailfetch> processes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        double firstDone = -1;
        double allDone = -1;
        Set<Integer> pending = new LinkedHashSet<>();
        for (int i = 0; i < accounts; i++) {
            pending.add(i);
        }
        long t0 = System.nanoTime();
        long started = System.currentTimeMillis();
        try {
            for (int k = 1; k <= nodes; k++) {
                String name = "node-" + k;
                Path dataDir = cluster.nodeDataDir(name, true);
                Map<String, String> s = cluster.nodeSettings(name);
                // the service's defaults where the test settings differ; reads wait longer on a shared machine
                s.put("mailfetch.accounts.reconcile-interval", "5s");
                s.put("mailfetch.fetch.read-timeout", "60s");
                Path log = dir.resolve(name + ".log");
                processes.add(ForkedMailfetch.start(dataDir, log, s, List.of("-Xmx" + xmx), "run"));
                names.add(name);
                logs.add(log);
            }
            int lastReported = 0;
            while (!pending.isEmpty() && seconds(t0) < timeout) {
                pending.removeIf(i -> cluster.fullyFetched(i, messages));
                int done = accounts - pending.size();
                if (done > 0 && firstDone < 0) {
                    firstDone = seconds(t0);
                }
                if (done / 100 != lastReported / 100) {
                    System.out.printf("  %4d accounts done at %6.1f s%n", done, seconds(t0));
                }
                lastReported = done;
                for (int k = 0; k < processes.size(); k++) {
                    if (!processes.get(k).process().isAlive()) {
                        throw new IllegalStateException(names.get(k) + " exited: " + processes.get(k).output());
                    }
                }
                if (!pending.isEmpty()) {
                    Thread.sleep(250);
                }
            }
            if (pending.isEmpty()) {
                allDone = seconds(t0);
            } else {
                System.out.printf("  timeout: %d of %d accounts done after %d s%n", accounts - pending.size(), accounts,
                        timeout);
            }
            String loadAfter = loadAverage();
            List<NodeFigures> perNode = new ArrayList<>();
            for (int k = 0; k < processes.size(); k++) {
                perNode.add(figures(names.get(k), logs.get(k), processes.get(k).process().pid(), started));
            }
            int problems = 0;
            for (int i = 0; i < accounts; i++) {
                Optional<String> problem = cluster.exactlyOnceProblem(i, messages);
                if (problem.isPresent() && ++problems <= 5) {
                    System.out.println("  NOT exactly once: " + problem.get());
                }
            }
            return new Round(nodes, setUp, firstDone, allDone, accounts - pending.size(), perNode, problems, loadBefore,
                    loadAfter);
        } finally {
            for (ForkedMailfetch p : processes) {
                p.close();
            }
        }
    }

    /**
     * A node's sessions and its first reconciler pass (all account routes added: when, relative to
     * {@code started}, and how long the pass took) from its log; heap after a full GC (jcmd), threads
     * and CPU time from /proc.
     */
    private static NodeFigures figures(String name, Path log, long pid, long started) throws Exception {
        // the node still runs: a line being written when the log is read is left out (at most one)
        String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
        text = text.substring(0, text.lastIndexOf('\n') + 1);
        int delivering = 0;
        int empty = 0;
        double sessionSeconds = 0;
        Matcher m = OK.matcher(text);
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) > 0) {
                delivering++;
                sessionSeconds += Double.parseDouble(m.group(2));
            } else {
                empty++;
            }
        }
        int failed = text.split(": session failed", -1).length - 1;
        double routesUp = -1;
        double addingRoutes = -1;
        Matcher r = RECONCILED.matcher(text);
        if (r.find()) {
            long at = LocalDateTime.parse(r.group(1), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            routesUp = (at - started) / 1000.0;
            addingRoutes = Long.parseLong(r.group(3)) / 1000.0;
        }
        jcmd(pid, "GC.run");
        Matcher heap = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        long heapMb = heap.find() ? Long.parseLong(heap.group(1)) / 1024 : -1;
        int threads = -1;
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).strip());
            }
        }
        // utime and stime, the 14th and 15th fields, after the command name in parentheses; clock ticks of 1/100 s
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        return new NodeFigures(name, routesUp, addingRoutes, delivering, empty, failed, delivering == 0 ? 0 : sessionSeconds / delivering,
                heapMb, threads, cpu);
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    private static void print(List<Round> rounds, int accounts, int messages) {
        System.out.println();
        System.out.println("nodes  set-up s  first done s  all done s  sessions/s  msg/s  exactly once        load avg before -> after");
        for (Round r : rounds) {
            String once = r.done() < accounts ? "(timeout)" : r.problems() == 0 ? "yes" : "NO (" + r.problems() + " owners)";
            if (r.allDone() < 0) {
                System.out.printf("%5d  %8.1f  %12.1f  %10s  %10s  %5s  %-18s  %s -> %s%n", r.nodes(), r.setUp(),
                        r.firstDone(), "-", "-", "-", once, r.loadBefore(), r.loadAfter());
            } else {
                System.out.printf("%5d  %8.1f  %12.1f  %10.1f  %10.2f  %5.1f  %-18s  %s -> %s%n", r.nodes(), r.setUp(),
                        r.firstDone(), r.allDone(), accounts / r.allDone(), accounts * messages / r.allDone(), once,
                        r.loadBefore(), r.loadAfter());
            }
        }
        System.out.println();
        System.out.println("nodes  node    routes up at s (adding s)  sessions downloaded>0  empty  failed  mean session s"
                + "  heap after GC MB  threads  CPU s");
        for (Round r : rounds) {
            int total = 0;
            for (NodeFigures n : r.perNode()) {
                total += n.delivering();
                System.out.printf("%5d  %-6s  %25s  %22d  %5d  %6d  %14.2f  %16d  %7d  %5.1f%n", r.nodes(), n.name(),
                        String.format("%.1f (%.1f)", n.routesUp(), n.addingRoutes()), n.delivering(), n.empty(), n.failed(), n.meanSession(), n.heapMb(), n.threads(), n.cpuSeconds());
            }
            System.out.printf("%5d  all     %25s  %22d  (of %d accounts; CPU %.1f s in all)%n", r.nodes(), "", total, accounts,
                    r.perNode().stream().mapToDouble(NodeFigures::cpuSeconds).sum());
        }
        System.out.println();
        System.out.println("first done / all done: seconds from starting the nodes' JVMs until the first / the last account's"
                + " server mailbox was empty with its owner holding its messages; sessions/s and msg/s over \"all done\".");
        System.out.println("routes up at: the node's first reconciler pass ended (every account's route and Quartz trigger added),"
                + " seconds from the start; adding: that pass's own time. A new route fires at once, so sessions run"
                + " while routes are still being added.");
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
