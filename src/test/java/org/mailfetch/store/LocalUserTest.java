package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import org.h2.api.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.testsupport.AsNobody;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;

/** What another local user (nobody) can do to a data dir while the service holds it: nothing. */
class LocalUserTest {

    private static final Path H2_JAR = Path.of(org.h2.Driver.class.getProtectionDomain().getCodeSource().getLocation()
            .getPath());

    @TempDir
    Path base;

    /** A parent every user may enter, like /var/lib: only the data dir's own protection counts. */
    private Path openParent() throws Exception {
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        return base.resolve("data");
    }

    @Test
    void anotherLocalUserShouldReadNothingInTheDataDirNorLogInToTheDatabaseWhileTheServiceHoldsIt() throws Exception {
        Path dataDir = openParent();
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            // a bit of everything: an account with an encrypted password, delivered mail, a queued routed
            // message, a quarantined one in flight
            pop3.deliver(pop3.user("lee", "pw"));
            Account a = fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.NEVER);
            fixture.fetch(a.id());
            fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", 9, false, null, null);
            var box = pop3.user("box", "secret");
            RoutedMail.put(box, "routed", "To: yann@partner.example");
            fixture.fetch(RoutedMail.catchAllAccount(fixture, pop3.port(), true).id());
            new QuarantineStore(fixture.services().db(), dataDir, FilePermissions.from(fixture.services().settings()))
                    .stage("held", "X-Test: 1\n".getBytes(StandardCharsets.UTF_8),
                            new ByteArrayInputStream("Subject: held\n\nbody\n".getBytes(StandardCharsets.UTF_8)));

            List<Path> all = everything(dataDir);
            for (String expected : new String[] {"mailfetch.mv.db", "mailfetch.lock.db", "mailfetch.trace.db",
                    "mailfetch.key", DbPassword.FILE, "mailboxes", "outbox", "quarantine", "spool"}) {
                assertTrue(all.contains(dataDir.resolve(expected)), expected + " in " + all);
            }
            List<String> wide = new ArrayList<>();
            for (Path p : all) {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                if (!PosixFilePermissions.toString(mode).endsWith("------")) {
                    wide.add(PosixFilePermissions.toString(mode) + " " + p);
                }
            }
            assertEquals(List.of(), wide, "every file and directory of the data dir is the service's alone");
            assertEquals(List.of(), AsNobody.readable(all), "what nobody could read");

            Properties lock = new Properties();
            try (InputStream in = Files.newInputStream(dataDir.resolve("mailfetch.lock.db"))) {
                lock.load(in);
            }
            String port = lock.getProperty("server").replaceAll(".*:", "");
            String key = lock.getProperty("id");
            String db = dataDir.resolve("mailfetch").toString();
            Path probe = h2Probe();
            String password = Files.readString(dataDir.resolve(DbPassword.FILE)).trim();
            // control: the port is reachable for nobody, and with the password (which nobody cannot read) it lets in
            assertEquals("CONNECTED", probe(probe, "jdbc:h2:tcp://127.0.0.1:" + port + "/" + key, "mailfetch", password));
            // even with the AUTO_SERVER key (it is in the lock file), the empty password of old and H2's default user fail
            for (String[] attempt : new String[][] {
                    {"jdbc:h2:tcp://127.0.0.1:" + port + "/" + key, "mailfetch", ""},
                    {"jdbc:h2:tcp://127.0.0.1:" + port + "/" + key, "sa", ""},
                    {"jdbc:h2:tcp://127.0.0.1:" + port + "/" + db, "mailfetch", ""},
                    {"jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE", "mailfetch", ""}}) {
                String answer = probe(probe, attempt[0], attempt[1], attempt[2]);
                assertTrue(answer.startsWith("REFUSED"), "nobody logging in to " + attempt[0] + " as " + attempt[1]
                        + ": " + answer);
            }
        }
    }

    @Test
    void aDatabaseWithTheEmptyPasswordOfOlderVersionsShouldTakeThePasswordFromItsFileOnOpen() throws Exception {
        Path dataDir = Files.createDirectory(base.resolve("data"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        String url = "jdbc:h2:file:" + dataDir.resolve("mailfetch") + ";AUTO_SERVER=TRUE";
        createOldDatabase(url);

        try (Database db = Database.open(dataDir)) {
            assertEquals(List.of("old.example"), db.query("SELECT name FROM local_domain", rs -> rs.getString(1)));
        }

        Path file = dataDir.resolve(DbPassword.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "mailfetch", ""));
        assertEquals(ErrorCode.WRONG_USER_OR_PASSWORD, refused.getErrorCode());
        try (Connection c = DriverManager.getConnection(url, "mailfetch", Files.readString(file).trim())) {
            assertTrue(c.isValid(1));
        }
    }

    @Test
    void aCrashAfterThePasswordFileWasWrittenButBeforeTheDatabaseTookItShouldBeFinishedOnTheNextOpen()
            throws Exception {
        Path dataDir = Files.createDirectory(base.resolve("data"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        String url = "jdbc:h2:file:" + dataDir.resolve("mailfetch") + ";AUTO_SERVER=TRUE";
        createOldDatabase(url);
        // the state a crash between "file written" and "ALTER USER" leaves
        Files.writeString(dataDir.resolve(DbPassword.FILE), "written-before-the-crash\n");

        try (Database db = Database.open(dataDir)) {
            assertEquals(List.of("old.example"), db.query("SELECT name FROM local_domain", rs -> rs.getString(1)));
        }
        try (Database again = Database.open(dataDir)) {
            assertEquals(List.of("old.example"), again.query("SELECT name FROM local_domain", rs -> rs.getString(1)));
        }
        try (Connection c = DriverManager.getConnection(url, "mailfetch", "written-before-the-crash")) {
            assertTrue(c.isValid(1));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dataDir.resolve(DbPassword.FILE))), "tightened at start");
    }

    @Test
    void anExistingDataDirThatOthersCanReadShouldBeRefusedWithThePathAndTheFix() throws Exception {
        Path dataDir = Files.createDirectory(base.resolve("data"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Database.open(dataDir).close());

        assertTrue(e.getMessage().contains(dataDir + " is rwxr-xr-x"), e.getMessage());
        assertTrue(e.getMessage().contains("chmod 700 " + dataDir), e.getMessage());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)),
                "not changed behind the admin's back");
        try (Stream<Path> files = Files.list(dataDir)) {
            assertEquals(0, files.count(), "no database or password written into it");
        }
    }

    @Test
    void aDataDirCreatedByMailfetchShouldBeOnlyTheServicesEvenUnderAWideParent() throws Exception {
        Path dataDir = openParent().resolve("nested");

        try (Database db = Database.open(dataDir)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)));
            for (String f : new String[] {"mailfetch.mv.db", "mailfetch.lock.db", "mailfetch.trace.db", DbPassword.FILE}) {
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dataDir.resolve(f))), f);
            }
        }
    }

    /** A database as older versions left it: migrated, holding data, its user's password empty. */
    private static void createOldDatabase(String url) throws SQLException {
        org.h2.jdbcx.JdbcConnectionPool pool = org.h2.jdbcx.JdbcConnectionPool.create(url, "mailfetch", "");
        try {
            // the schema of a release before the password (and before the cluster migrations 20 and up)
            org.flywaydb.core.Flyway.configure().dataSource(pool).locations("classpath:db/migration").target("10").load()
                    .migrate();
            try (Connection c = pool.getConnection()) {
                c.createStatement().execute("INSERT INTO local_domain (name) VALUES ('old.example')");
            }
        } finally {
            pool.dispose();
        }
    }

    private static List<Path> everything(Path dataDir) throws Exception {
        try (Stream<Path> walk = Files.walk(dataDir)) {
            return walk.toList();
        }
    }

    /** The H2 jar and a small client in a directory nobody may read (root's ~/.m2 is not). */
    private Path h2Probe() throws Exception {
        Path dir = Files.createDirectory(base.resolve("probe"));
        Files.copy(H2_JAR, dir.resolve("h2.jar"));
        Files.writeString(dir.resolve("H2Probe.java"), """
                public class H2Probe {
                    public static void main(String[] a) {
                        try (java.sql.Connection c = java.sql.DriverManager.getConnection(a[0], a[1], a[2])) {
                            System.out.println("CONNECTED");
                        } catch (java.sql.SQLException e) {
                            System.out.println("REFUSED " + e.getErrorCode() + " " + e.getMessage().lines().findFirst().orElse(""));
                        }
                    }
                }
                """);
        for (Path p : List.of(dir.resolve("h2.jar"), dir.resolve("H2Probe.java"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static String probe(Path dir, String url, String user, String password) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        AsNobody.Result r = AsNobody.run(List.of(java, "-Duser.home=" + dir, "-cp", dir.resolve("h2.jar").toString(),
                dir.resolve("H2Probe.java").toString(), url, user, password));
        return r.output().lines().filter(l -> l.startsWith("CONNECTED") || l.startsWith("REFUSED")).findFirst()
                .orElseThrow(() -> new AssertionError("the probe as nobody said nothing useful: " + r.output()));
    }
}
