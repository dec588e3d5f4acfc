package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * mailfetch in a separate JVM on the test's classpath ({@code java -cp … org.mailfetch.Mailfetch
 * --data-dir D ARGS}), for what only a real process can show: SIGKILL, SIGTERM, a small heap.
 * stdout and stderr go to a log file that failed assertions can quote.
 */
public final class ForkedMailfetch implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ForkedMailfetch(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mailfetch --data-dir dataDir args…} with the test settings of
     * {@link MailfetchFixture#settings} plus {@code settings}, and JVM options such as -Xmx96m.
     */
    public static ForkedMailfetch start(Path dataDir, Path log, Map<String, String> settings, List<String> jvmOptions,
                                        String... args) throws IOException {
        return start(dataDir, log, settings, Map.of(), jvmOptions, args);
    }

    /** As {@link #start(Path, Path, Map, List, String...)}, with {@code environment} added to this JVM's. */
    public static ForkedMailfetch start(Path dataDir, Path log, Map<String, String> settings,
                                        Map<String, String> environment, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        var props = MailfetchFixture.settings(dataDir, new java.util.Properties());
        props.putAll(settings);
        for (String key : props.stringPropertyNames()) {
            cmd.add("-D" + key + "=" + props.getProperty(key));
        }
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("org.mailfetch.Mailfetch");
        cmd.add("--data-dir");
        cmd.add(dataDir.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        return new ForkedMailfetch(p, log);
    }

    public Process process() {
        return process;
    }

    /** Waits for the exit and returns its code; fails after {@code timeout}. */
    public int exitCode(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("mailfetch did not exit within " + timeout + "\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the JVM runs its shutdown hooks. */
    public void terminate() {
        process.destroy();
    }

    /** What the process printed so far (the tail of it). */
    public String output() {
        try {
            String s = Files.readString(log);
            return s.length() <= 6000 ? s : "…" + s.substring(s.length() - 6000);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
