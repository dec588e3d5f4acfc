package org.mailfetch.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.mailfetch.cli.Cli;

/**
 * Runs the command line in this JVM against a data dir and keeps what it printed on stdout and stderr.
 * When the tests run on PostgreSQL ({@link Postgres#testDatabaseFor}), the data dir's database is
 * given by a {@code --config} file beside the data dir.
 */
public final class CliCapture {

    /** The exit code and the two streams of one run. */
    public record Result(int exit, ByteArrayOutputStream out, ByteArrayOutputStream err) {}

    private CliCapture() {}

    private static List<String> databaseConfig(Path dataDir) {
        Properties db = Postgres.testDatabaseFor(dataDir);
        if (db.isEmpty()) {
            return List.of();
        }
        Path abs = dataDir.toAbsolutePath().normalize();
        Path file = abs.resolveSibling(abs.getFileName() + ".database.properties");
        try (var out = Files.newOutputStream(Files.createDirectories(abs.getParent()).resolve(file.getFileName()))) {
            db.store(out, "the PostgreSQL database of " + abs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of("--config", file.toString());
    }

    public static Result run(Path dataDir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        if (!List.of(args).contains("--config")) {
            all.addAll(databaseConfig(dataDir));
        }
        all.addAll(List.of(args));
        try {
            return new Result(Cli.execute(all.toArray(String[]::new)), out, err);
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
    }
}
