package org.mailfetch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.store.Database;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;

/** The row claim two nodes compete for: one holder at a time, renewed while held, taken over once run out. */
class RowClaimTest {

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    private MailfetchFixture fixture;
    private Database db;
    private RowClaim nodeA;
    private RowClaim nodeB;

    @BeforeEach
    void setUp() {
        fixture = new MailfetchFixture(dataDir);
        db = fixture.services().db();
        db.update("INSERT INTO quarantine_item (id, account_id, uidl, owner_address, kind, reason, size_bytes, file_name,"
                + " quarantined_at) VALUES (7, 1, 'u1', 'alice@example.com', 'spam', 'score 20', 10, 'f', ?)", clock.instant());
        nodeA = new RowClaim(db, "quarantine_item", "node-a/1", clock);
        nodeB = new RowClaim(db, "quarantine_item", "node-b/2", clock);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aClaimShouldBeHeldByOneNodeAndRenewedWhileItWorks() {
        try (RowClaim.Held held = nodeA.take(7, null).orElseThrow()) {
            assertTrue(nodeB.take(7, null).isEmpty(), "node B waits");
            assertEquals("node-a/1", nodeB.holder(7));
            for (int i = 0; i < 5; i++) { // ten minutes of work, five times the claim's life
                clock.advance(RowClaim.TTL.dividedBy(2));
                held.renew();
                assertTrue(nodeB.take(7, null).isEmpty(), "renewed: node B still waits after " + (i + 1) + " renewals");
            }
            assertFalse(held.lost());
        }
    }

    @Test
    void aDeadNodesClaimShouldRunOutAndBeTakenOverAndTheDeadNodeThenKnowsItLostIt() {
        RowClaim.Held dead = nodeA.take(7, null).orElseThrow();
        dead.close(); // the node died: nobody renews
        clock.advance(RowClaim.TTL);
        assertTrue(nodeB.take(7, null).isEmpty(), "not before the claim has run out");
        clock.advance(java.time.Duration.ofMillis(1));
        RowClaim.Held taken = nodeB.take(7, null).orElseThrow();
        assertEquals("node-b/2", nodeA.holder(7));

        dead.renew(); // node A wakes up
        assertTrue(dead.lost(), "node A learns that its claim is gone");
        assertEquals("node-b/2", nodeA.holder(7), "and does not take it back");

        taken.release();
        assertNull(nodeA.holder(7));
        assertTrue(nodeA.take(7, null).isPresent(), "a released row is free at once");
    }

    @Test
    void aConditionThatDoesNotHoldShouldLeaveTheRowUnclaimed() {
        assertTrue(nodeA.take(7, "kind = ?", "virus").isEmpty());
        assertNull(nodeB.holder(7));
        assertTrue(nodeA.take(8, null).isEmpty(), "no such row");
    }
}
