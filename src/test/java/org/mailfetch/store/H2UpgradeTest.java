package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An embedded database made by the release before the cluster (V1..V10) opens, and opens again. */
class H2UpgradeTest {

    @TempDir
    Path dataDir;

    @Test
    void aDatabaseOfThePreviousReleaseShouldMigrateToTheClusterTablesAndOpenAgain() throws Exception {
        // the previous release's database: migrations up to V10, no Java migration
        Path old = dataDir.resolve("old");
        java.nio.file.Files.createDirectories(old, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        String password = DbPassword.readOrCreate(old);
        String oldUrl = "jdbc:h2:file:" + old.resolve("mailfetch").toAbsolutePath();
        Flyway.configure().dataSource(oldUrl, "mailfetch", password).locations(Database.COMMON_LOCATION)
                .target("10").load().migrate();

        try (Database db = Database.open(old)) {
            assertEquals(List.of("31"), db.query("SELECT MAX(CAST(\"version\" AS INT)) FROM \"flyway_schema_history\"",
                    rs -> String.valueOf(rs.getInt(1))));
            assertEquals(List.of(0), db.query("SELECT COUNT(*) FROM qrtz_triggers", rs -> rs.getInt(1)));
        }
        try (Database db = Database.open(old)) { // validated now, the Java migration's checksum included
            assertEquals(List.of(0), db.query("SELECT COUNT(*) FROM download_request", rs -> rs.getInt(1)));
        }
    }
}
