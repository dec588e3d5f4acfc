package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailfetch.config.Settings;

class DatabaseConfigTest {

    private static final String URL = "jdbc:postgresql://db.example:5432/mailfetch?user=mailfetch";

    @TempDir
    Path dir;

    @Test
    void withoutAUrlTheEmbeddedH2DatabaseShouldBeUsedEvenWhenThePasswordVariableIsSet() {
        DatabaseConfig c = DatabaseConfig.from(settings(), Map.of(DatabaseConfig.PASSWORD_ENV, "s3cret"));
        assertTrue(c.embedded());
        assertNull(c.password());
    }

    @Test
    void aPasswordFileWithoutAUrlShouldBeRefusedNamingBothKeys() {
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.PASSWORD_FILE, dir.resolve("pw").toString()), Map.of()));
        assertTrue(e.getMessage().contains(DatabaseConfig.PASSWORD_FILE) && e.getMessage().contains(DatabaseConfig.URL),
                e.getMessage());
    }

    @Test
    void thePasswordShouldComeFromTheEnvironmentAndNeverShowInTheDescription() {
        DatabaseConfig c = DatabaseConfig.from(settings(DatabaseConfig.URL, URL),
                Map.of(DatabaseConfig.PASSWORD_ENV, "s3cret"));
        assertFalse(c.embedded());
        assertEquals("s3cret", c.password());
        assertEquals(URL, c.url());
        assertEquals(20, c.poolSize());
        assertEquals("PostgreSQL at jdbc:postgresql://db.example:5432/mailfetch", c.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "r--------"})
    void thePasswordShouldComeFromAPrivateFile(String mode) throws Exception {
        Path file = passwordFile("s3cret with spaces\nignored second line\n", mode);
        DatabaseConfig c = DatabaseConfig.from(settings(DatabaseConfig.URL, URL, DatabaseConfig.PASSWORD_FILE,
                file.toString()), Map.of());
        assertEquals("s3cret with spaces", c.password());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r-----", "rw-r--r--", "rw----rw-", "rwx------"})
    void aPasswordFileOthersMayReadOrThatIsNotPlainPrivateShouldBeRefusedWithTheFix(String mode) throws Exception {
        Path file = passwordFile("s3cret\n", mode);
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.URL, URL, DatabaseConfig.PASSWORD_FILE, file.toString()), Map.of()));
        assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
        assertTrue(e.getMessage().contains(mode), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void aPasswordFileThatIsADirectoryMissingOrEmptyShouldBeRefused() throws Exception {
        for (Path file : new Path[] {dir, dir.resolve("missing"), passwordFile("\n", "rw-------")}) {
            var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                    settings(DatabaseConfig.URL, URL, DatabaseConfig.PASSWORD_FILE, file.toString()), Map.of()));
            assertTrue(e.getMessage().startsWith("configuration key " + DatabaseConfig.PASSWORD_FILE), e.getMessage());
        }
    }

    @Test
    void aPasswordGivenBothByTheEnvironmentAndByAFileShouldBeRefused() throws Exception {
        Path file = passwordFile("one\n", "rw-------");
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.URL, URL, DatabaseConfig.PASSWORD_FILE, file.toString()),
                Map.of(DatabaseConfig.PASSWORD_ENV, "two")));
        assertTrue(e.getMessage().contains("keep one"), e.getMessage());
    }

    @Test
    void aPasswordKeyInThePropertiesShouldBeRefusedWithoutEchoingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.URL, URL, "mailfetch.db.password", "s3cret"), Map.of()));
        assertTrue(e.getMessage().contains("mailfetch.db.password") && e.getMessage().contains(DatabaseConfig.PASSWORD_ENV)
                && e.getMessage().contains(DatabaseConfig.PASSWORD_FILE), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "jdbc:postgresql://db.example/mailfetch?user=mailfetch&password=s3cret",
            "jdbc:postgresql://db.example/mailfetch?PASSWORD=s3cret",
            "jdbc:postgresql://db.example/mailfetch?sslmode=verify-full&sslpassword=s3cret",
            "jdbc:postgresql://mailfetch:s3cret@db.example/mailfetch"})
    void aPasswordInTheUrlShouldBeRefusedWithoutEchoingIt(String url) {
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.URL, url), Map.of()));
        assertTrue(e.getMessage().contains(DatabaseConfig.PASSWORD_ENV), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:h2:file:/tmp/x", "postgresql://db/mailfetch", "jdbc:postgresql://db/x?user=a\nb"})
    void aUrlThatIsNotAPlainPostgresqlJdbcUrlShouldBeRefused(String url) {
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.URL, url), Map.of()));
        assertTrue(e.getMessage().startsWith("configuration key " + DatabaseConfig.URL), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void thePoolSizeShouldBeBounded() {
        assertEquals(5, DatabaseConfig.from(settings(DatabaseConfig.URL, URL, DatabaseConfig.POOL_SIZE, "5"), Map.of())
                .poolSize());
        var e = assertThrows(IllegalArgumentException.class, () -> DatabaseConfig.from(
                settings(DatabaseConfig.URL, URL, DatabaseConfig.POOL_SIZE, "0"), Map.of()));
        assertTrue(e.getMessage().contains(DatabaseConfig.POOL_SIZE), e.getMessage());
    }

    private Path passwordFile(String content, String mode) throws Exception {
        Path file = Files.createTempFile(dir, "pw", "");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private Settings settings(String... keysAndValues) {
        Properties p = new Properties();
        p.setProperty(Settings.DATA_DIR, dir.resolve("data").toString());
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Settings.of(p);
    }
}
