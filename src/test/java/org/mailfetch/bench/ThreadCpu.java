package org.mailfetch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads from /proc/self/task (Linux): every thread, the JIT's compiler
 * threads and the GC's included, which the ThreadMXBean does not show. Thread names are summed
 * with their numbers dropped ("mailfetch-fsync", "C2 CompilerThread").
 */
final class ThreadCpu {

    private ThreadCpu() {
    }

    /** Milliseconds of user plus system time by thread name, numbers dropped. */
    static Map<String, Long> byThread() throws IOException {
        long hz = 100; // USER_HZ: clock ticks per second on Linux
        Map<String, Long> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close).replaceAll("[#\\d]+$", "").replaceAll("-\\d+$", "").strip();
                String[] f = stat.substring(close + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
                out.merge(name, ticks * 1000 / hz, Long::sum);
            }
        }
        return out;
    }

    /** Milliseconds the JIT's compiler threads used between two {@link #byThread()} looks. */
    static long compilers(Map<String, Long> before, Map<String, Long> after) {
        return after.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                .mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum();
    }

    /** The {@code n} threads that used the most CPU between two {@link #byThread()} looks. */
    static String top(Map<String, Long> before, Map<String, Long> after, int n) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(n)
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
