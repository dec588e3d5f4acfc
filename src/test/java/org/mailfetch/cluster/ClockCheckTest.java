package org.mailfetch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.store.Database;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A node whose clock is further off the shared database's than the leases allow refuses to start; the
 * query's own round trip is never counted against it. Runs on H2 in `mvn test` (nothing to compare:
 * one node) and on PostgreSQL in StoresOnPostgresqlIT.
 */
class ClockCheckTest {

    @TempDir
    Path dataDir;

    @Test
    void theTimeOutsideTheQuerysRoundTripShouldCountAsOff() {
        assertEquals(Duration.ZERO, ClockCheck.off(Instant.ofEpochMilli(1_050), 1_000, 1_100));
        assertEquals(Duration.ZERO, ClockCheck.off(Instant.ofEpochMilli(1_100), 1_000, 1_100));
        assertEquals(Duration.ofMillis(2_400), ClockCheck.off(Instant.ofEpochMilli(3_500), 1_000, 1_100));
        assertEquals(Duration.ofMillis(100), ClockCheck.off(Instant.ofEpochMilli(900), 1_000, 1_100));
    }

    @Test
    void aClockFiveSecondsOffShouldBeRefusedOnASharedDatabaseOnly() {
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            Database db = fixture.services().db();
            Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5));
            ClockCheck.check(db, Clock.systemUTC()); // this machine's own clock: always fine
            if (db.postgres()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClockCheck.check(db, ahead));
                assertTrue(e.getMessage().contains("off the database's"), e.getMessage());
            } else {
                ClockCheck.check(db, ahead); // H2: one node, nothing to compare
            }
        }
    }
}
