package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command as the local user {@code nobody} ({@code runuser -u nobody -- …}): what another local
 * user can do to mailfetch's files and ports. Needs root, like CI; fails loudly, never skips, when it
 * cannot switch user, so a passing test always means nobody was really tried.
 */
public final class AsNobody {

    private static final Path RUNUSER = Path.of("/usr/sbin/runuser");

    private AsNobody() {}

    /** The command's exit code and its stdout and stderr together. */
    public record Result(int exitCode, String output) {}

    public static Result run(List<String> command) throws IOException, InterruptedException {
        if (!Files.isExecutable(RUNUSER)) {
            throw new IllegalStateException("runuser is missing (" + RUNUSER + ", package util-linux):"
                    + " this test must run a command as another local user");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("this test switches to the user nobody and needs root (as in CI)");
        }
        List<String> cmd = new ArrayList<>(List.of(RUNUSER.toString(), "-u", "nobody", "--"));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(Path.of("/").toFile()).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("as nobody, " + command + " did not finish within 60 s");
        }
        Result r = new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        if (r.output().contains("runuser:")) {
            throw new IllegalStateException("runuser could not switch to nobody: " + r.output());
        }
        return r;
    }

    /**
     * For each path, whether nobody can read it (a file's bytes, a directory's listing): the paths
     * nobody could read, as the shell reports them.
     */
    public static List<String> readable(List<Path> paths) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "for p in \"$@\"; do"
                        + " if [ -d \"$p\" ]; then ls -a -- \"$p\" >/dev/null 2>&1 && echo \"READABLE $p\";"
                        + " else cat -- \"$p\" >/dev/null 2>&1 && echo \"READABLE $p\"; fi;"
                        + " done; echo CHECKED", "sh"));
        paths.forEach(p -> cmd.add(p.toString()));
        Result r = run(cmd);
        if (!r.output().contains("CHECKED")) {
            throw new AssertionError("the check as nobody did not run to its end: " + r.output());
        }
        return r.output().lines().filter(l -> l.startsWith("READABLE ")).toList();
    }
}
