package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.store.DatabaseConfig;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.Postgres;

/**
 * The command line on PostgreSQL, each command its own process as an administrator runs it: the
 * database named by mailfetch.db.url, the password from MAILFETCH_DB_PASSWORD, and what it stored
 * read back from PostgreSQL itself.
 */
class PostgresCliIT {

    @TempDir
    Path dir;

    private Postgres pg;
    private String database;
    private Path dataDir;

    @BeforeEach
    void setUp() throws Exception {
        pg = Postgres.shared();
        database = pg.createDatabase();
        dataDir = dir.resolve("data");
    }

    @Test
    void accountAddThenAccountListShouldStoreAndShowTheAccountInPostgresql() throws Exception {
        Map<String, String> env = Map.of(DatabaseConfig.PASSWORD_ENV, pg.password(), "POP_PASSWORD", "pop-secret");
        run(env, 0, "domain", "add", "example.com");
        run(env, 0, "mailbox", "add", "alice@example.com");
        String id = run(env, 0, "account", "add", "--owner", "alice@example.com", "--name", "alice on pg",
                "--host", "pop.example.net", "--user", "alice", "--password-env", "POP_PASSWORD").strip();
        assertTrue(id.matches("\\d+"), id);

        String list = run(env, 0, "account", "list");
        assertTrue(list.startsWith(id + "\talice on pg\tenabled\tpop3\talice@pop.example.net:995\t"), list);

        assertEquals("alice on pg|alice@example.com|" + id,
                pg.psql(database, "SELECT name, owner_address, id FROM external_account").strip());
        assertFalse(Files.exists(dataDir.resolve("mailfetch.mv.db")), "no embedded database besides PostgreSQL");
    }

    @Test
    void aWrongPasswordShouldFailWithTheReasonAndNeverPrintThePassword() throws Exception {
        String out = run(Map.of(DatabaseConfig.PASSWORD_ENV, "not-" + pg.password()), 1, "domain", "list");
        assertTrue(out.contains("cannot open the database, PostgreSQL at jdbc:postgresql://127.0.0.1:" + pg.port() + "/"
                + database + ": ") && out.contains("password authentication failed"), out);
        assertFalse(out.contains("not-" + pg.password()), out);
    }

    @Test
    void aPasswordInThePropertiesShouldBeRefusedBeforeAnythingConnects() throws Exception {
        ForkedMailfetch cli = ForkedMailfetch.start(dataDir, dir.resolve("cli.log"),
                Map.of(DatabaseConfig.URL, pg.url(database) + "&password=" + pg.password()), Map.of(), List.of(),
                "domain", "list");
        assertEquals(2, cli.exitCode(Duration.ofSeconds(60)), cli.output());
        assertTrue(cli.output().contains("the parameter password is refused"), cli.output());
        assertFalse(cli.output().contains(pg.password()), cli.output());
        assertEquals("0", pg.psql(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").strip(),
                "nothing was migrated");
    }

    /**
     * Runs one command against the test database; returns what it printed (stdout and stderr, without
     * the log lines) after checking the exit code.
     */
    private String run(Map<String, String> env, int exit, String... args) throws Exception {
        Path log = Files.createTempFile(dir, "cli", ".log");
        // a shared database wants the shared roots set explicitly (SharedRoots)
        try (ForkedMailfetch cli = ForkedMailfetch.start(dataDir, log, Map.of(DatabaseConfig.URL, pg.url(database),
                        "mailfetch.maildir.root", dataDir.resolve("mailboxes").toAbsolutePath().toString(),
                        "mailfetch.spool.root", dataDir.toAbsolutePath().toString()),
                env, List.of(), args)) {
            assertEquals(exit, cli.exitCode(Duration.ofSeconds(120)), cli.output());
            return Files.readString(log).lines().filter(l -> !l.matches("^\\d{4}-\\d\\d-\\d\\d .*")).reduce("",
                    (a, b) -> a + b + "\n");
        }
    }
}
