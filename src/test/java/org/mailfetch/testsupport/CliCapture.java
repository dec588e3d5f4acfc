package org.mailfetch.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.mailfetch.cli.Cli;

/** Runs the command line in this JVM against a data dir and keeps what it printed on stdout and stderr. */
public final class CliCapture {

    /** The exit code and the two streams of one run. */
    public record Result(int exit, ByteArrayOutputStream out, ByteArrayOutputStream err) {}

    private CliCapture() {}

    public static Result run(Path dataDir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        try {
            return new Result(Cli.execute(all.toArray(String[]::new)), out, err);
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
    }
}
