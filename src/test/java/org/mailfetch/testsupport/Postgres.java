package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.mailfetch.store.DatabaseConfig;

/**
 * A private PostgreSQL server for tests (Debian's {@code postgresql} package, see {@code .ci/run}):
 * its own cluster made by initdb in a temporary directory, listening on a free 127.0.0.1 port and on
 * a Unix socket in that directory (never /var/run/postgresql), fsync and synchronous_commit on as in
 * production. The system's cluster, if any, is never used. {@link #close()} stops it (immediate
 * shutdown) and removes the directory.
 *
 * <p>Tests log in as the role {@value #ROLE} with a random password (scram-sha-256 over TCP), each in
 * a database of its own ({@link #createDatabase()}). initdb refuses to run as root: as root, the
 * server runs as the {@code postgres} user (which the package creates) in a directory it owns.
 * Missing binaries fail the test with the fix, they never skip it.
 *
 * <pre>{@code
 * Postgres pg = Postgres.shared();                   // one server per test JVM
 * Properties p = pg.settings(pg.createDatabase(), dir); // mailfetch.db.url and .password-file
 * }</pre>
 */
public final class Postgres extends PrivateDaemon {

    /** The role mailfetch logs in as. */
    public static final String ROLE = "mailfetch";
    /** The variable {@link #testDatabaseFor} looks at: {@code postgresql} runs fixtures and CLI runs on PostgreSQL. */
    public static final String TEST_DATABASE = "mailfetch.test.database";

    private static final Path INSTALL = Path.of("/usr/lib/postgresql");
    private static final String SYSTEM_USER = "postgres";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final Map<Path, Properties> BY_DATA_DIR = new ConcurrentHashMap<>();
    private static Postgres shared;

    private final Path bin;
    private final boolean asRoot;
    private final String password;
    private int port;

    private Postgres(Path bin) throws IOException {
        super("postgres");
        this.bin = bin;
        this.asRoot = "root".equals(System.getProperty("user.name"));
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        this.password = HexFormat.of().formatHex(random);
    }

    /** One server for the whole test JVM, started on first use and stopped when the JVM exits. */
    public static synchronized Postgres shared() throws IOException {
        if (shared == null) {
            Postgres started = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException ignored) {
                    // the JVM is ending; a left-over temp dir is all that remains
                }
            }, "postgres-remove"));
            shared = started;
        }
        return shared;
    }

    /** A new server of its own; close it. */
    public static Postgres start() throws IOException {
        Postgres pg = new Postgres(binaries());
        try {
            pg.initCluster();
            pg.startServer();
            pg.psql("postgres", "CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + pg.password + "'");
            return pg;
        } catch (IOException | RuntimeException e) {
            try {
                pg.close();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The newest installed major version's binaries. */
    private static Path binaries() {
        try (Stream<Path> versions = Files.isDirectory(INSTALL) ? Files.list(INSTALL) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString()
                            .replaceAll("\\D", "0"))))
                    .orElseThrow(() -> new IllegalStateException("PostgreSQL is not installed (no " + INSTALL
                            + "/<version>/bin/initdb and postgres): apt-get install postgresql (see .ci/run),"
                            + " or pass -DskipITs"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot look for PostgreSQL under " + INSTALL + ": " + e.getMessage(), e);
        }
    }

    private void initCluster() throws IOException {
        if (asRoot) {
            run(List.of("chown", SYSTEM_USER + ":" + SYSTEM_USER, root.toString()));
        }
        run(asServerUser(bin.resolve("initdb").toString(), "-D", dataDir().toString(), "-U", "postgres",
                "-E", "UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256"));
    }

    private void startServer() throws IOException {
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            launch(asServerUser(bin.resolve("postgres").toString(), "-D", dataDir().toString(),
                    "-c", "listen_addresses=" + HOST, "-p", Integer.toString(port),
                    "-c", "unix_socket_directories=" + root,
                    "-c", "fsync=on", "-c", "synchronous_commit=on",
                    "-c", "max_connections=200", "-c", "shared_buffers=32MB"));
            try {
                await(START_TIMEOUT, this::ready);
                return;
            } catch (IOException e) {
                stopProcess();
                // a free port is only reserved until the server binds it; another process may win
                if (attempt == START_ATTEMPTS || !e.getMessage().contains("already in use")) {
                    throw e;
                }
            }
        }
    }

    private boolean ready() {
        try {
            Process p = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-q", "-h", root.toString(),
                    "-p", Integer.toString(port)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Path dataDir() {
        return root.resolve("data");
    }

    private List<String> asServerUser(String... command) {
        List<String> all = new ArrayList<>();
        if (asRoot) {
            all.addAll(List.of("runuser", "-u", SYSTEM_USER, "--"));
        }
        all.addAll(List.of(command));
        return all;
    }

    public int port() {
        return port;
    }

    /** The password of {@value #ROLE}. */
    public String password() {
        return password;
    }

    /** A JDBC URL for {@code database} as {@value #ROLE}, without the password. */
    public String url(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database + "?user=" + ROLE;
    }

    /** A new, empty database owned by {@value #ROLE}; returns its name. */
    public String createDatabase() throws IOException {
        String name = "mailfetch_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        psql("postgres", "CREATE DATABASE " + name + " OWNER " + ROLE);
        return name;
    }

    /**
     * The settings that point mailfetch at {@code database}: {@value DatabaseConfig#URL} and
     * {@value DatabaseConfig#PASSWORD_FILE}, a 0600 file written into {@code dir}.
     */
    public Properties settings(String database, Path dir) throws IOException {
        Path file = dir.resolve("mailfetch-db-password-" + database);
        try (FileChannel out = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            out.write(StandardCharsets.UTF_8.encode(password + "\n"));
        }
        Properties p = new Properties();
        p.setProperty(DatabaseConfig.URL, url(database));
        p.setProperty(DatabaseConfig.PASSWORD_FILE, file.toString());
        return p;
    }

    /**
     * The database settings a test data dir runs with: empty (the embedded H2) unless the system
     * property {@value #TEST_DATABASE} is {@code postgresql}; then a database of the shared server
     * for this data dir, the same one on every call for it, so a fixture and CLI runs on one data dir
     * share their database as they share H2's file.
     */
    public static Properties testDatabaseFor(Path dataDir) {
        if (!"postgresql".equals(System.getProperty(TEST_DATABASE))) {
            return new Properties();
        }
        Path key = dataDir.toAbsolutePath().normalize();
        return BY_DATA_DIR.computeIfAbsent(key, k -> {
            try {
                Postgres pg = shared();
                Path dir = Files.createDirectories(pg.root.resolve("clients"));
                Properties p = pg.settings(pg.createDatabase(), dir);
                // a shared database wants the shared roots set (SharedRoots): where H2 has them by default
                p.setProperty("mailfetch.maildir.root", k.resolve("mailboxes").toString());
                p.setProperty("mailfetch.spool.root", k.toString());
                return p;
            } catch (IOException e) {
                throw new IllegalStateException("cannot make a PostgreSQL database for " + k + ": " + e.getMessage(), e);
            }
        });
    }

    /** Runs {@code sql} in {@code database} as the superuser over the Unix socket; returns psql's output. */
    public String psql(String database, String sql) throws IOException {
        return run(List.of(bin.resolve("psql").toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", root.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", database, "-c", sql));
    }

    @Override
    public synchronized void stopProcess() {
        if (port != 0 && Files.exists(dataDir().resolve("postmaster.pid"))) {
            try {
                // immediate: no shutdown checkpoint (with fsync on and dozens of test databases it can take
                // longer than a JVM's exit waits) and no waiting for a test's open pool; the cluster is
                // thrown away right after
                run(asServerUser(bin.resolve("pg_ctl").toString(), "-D", dataDir().toString(), "-m", "immediate",
                        "-w", "-t", "30", "stop"));
            } catch (IOException | RuntimeException e) {
                // the plain stop below still ends it
            }
        }
        super.stopProcess();
    }

    private String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command).replace(password, "*") + " exited with " + p.exitValue()
                    + ":\n" + output);
        }
        return output;
    }
}
