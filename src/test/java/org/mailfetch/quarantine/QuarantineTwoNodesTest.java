package org.mailfetch.quarantine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.cluster.RowClaim;
import org.mailfetch.delivery.DeliveryBatch;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.store.Conflict;
import org.mailfetch.store.NotFound;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;

/** Release and delete of one quarantined message from two nodes: one of them does it, once. */
class QuarantineTwoNodesTest {

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(Instant.now());
    private MailfetchFixture fixture;
    private QuarantineStore nodeA;
    private QuarantineStore nodeB;
    private Path inbox;

    @BeforeEach
    void setUp() {
        fixture = new MailfetchFixture(dataDir);
        nodeA = node("node-a/1");
        nodeB = node("node-b/2");
        inbox = dataDir.resolve("mailboxes/example.com/alice/new");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private QuarantineStore node(String claimer) {
        return new QuarantineStore(fixture.services().db(), dataDir, dataDir.resolve("mailboxes"),
                FilePermissions.from(fixture.services().settings()), claimer, clock);
    }

    /** A held message as a session leaves it: the file durable, then the record. */
    private long hold(String name) throws Exception {
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            DeliveryBatch batch = new DeliveryBatch(fsync);
            batch.add(nodeA.stage(name, "X-Spam-Flag: YES\n".getBytes(StandardCharsets.UTF_8),
                    new ByteArrayInputStream(("Subject: " + name + "\n\nbody\n").getBytes(StandardCharsets.UTF_8))));
            batch.commit();
        } finally {
            fsync.shutdown();
        }
        long id = nodeA.nextId();
        nodeA.record(new QuarantineItem(id, 1, "uidl-" + name, MailfetchFixture.OWNER, "spam", "score 20.0", null, name,
                30, name, clock.instant()));
        return id;
    }

    private long inboxFiles() throws Exception {
        if (!Files.isDirectory(inbox)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(inbox)) {
            return s.count();
        }
    }

    @Test
    void twoNodesReleasingAtOnceShouldDeliverTheMessageOnce() throws Exception {
        long id = hold("held-once");
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService nodes = Executors.newFixedThreadPool(2);
        List<Future<Path>> releases = new ArrayList<>();
        try {
            for (QuarantineStore node : List.of(nodeA, nodeB)) {
                releases.add(nodes.submit(() -> {
                    together.await(30, TimeUnit.SECONDS);
                    return node.release(id);
                }));
            }
            int released = 0;
            for (Future<Path> f : releases) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                    released++;
                } catch (ExecutionException e) {
                    assertTrue(e.getCause() instanceof Conflict || e.getCause() instanceof NotFound, e.getCause().toString());
                }
            }
            assertEquals(1, released, "one node released it");
        } finally {
            nodes.shutdownNow();
        }
        assertEquals(1, inboxFiles(), "delivered once");
        assertTrue(nodeA.get(id).isEmpty(), "record gone");
        assertFalse(Files.exists(nodeA.dir().resolve("held-once")), "file gone");
    }

    @Test
    void anItemClaimedByADeadNodeShouldBeRefusedNamingItThenTakenOverOnceTheClaimRunsOut() throws Exception {
        long id = hold("held-by-dead");
        new RowClaim(fixture.services().db(), "quarantine_item", "node-a/1", clock).take(id, null).orElseThrow().close();

        Conflict busy = assertThrows(Conflict.class, () -> nodeB.release(id));
        assertTrue(busy.getMessage().contains("node-a/1"), busy.getMessage());
        assertThrows(Conflict.class, () -> nodeB.delete(id));
        assertEquals(0, inboxFiles());

        clock.advance(RowClaim.TTL.plusSeconds(1));
        nodeB.release(id);
        assertEquals(1, inboxFiles(), "released by node B");
        assertThrows(NotFound.class, () -> nodeA.release(id), "gone for node A");
        assertThrows(NotFound.class, () -> nodeA.delete(id));
    }

    @Test
    void aReleaseRepeatedAfterANodeDiedHalfwayShouldNotDeliverTwice() throws Exception {
        // node A delivered it into the inbox and died before forgetting the item: the item is still held
        nodeA.release(hold("half-released"));
        hold("half-released");
        nodeB.release(nodeA.list().get(0).id());
        assertEquals(1, inboxFiles(), "the delivered file is recognised by its name");
    }

    @Test
    void aFailedReleaseShouldFreeTheItemAtOnceForTheNextTry() throws Exception {
        long id = hold("file-lost");
        Files.delete(nodeA.dir().resolve("file-lost")); // e.g. the shared storage lost it

        assertThrows(java.nio.file.NoSuchFileException.class, () -> nodeA.release(id));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> nodeB.release(id),
                "node B tries too (not refused as taken): the failed release freed the item");
        nodeB.delete(id);
        assertTrue(nodeA.get(id).isEmpty(), "deleted");
        assertEquals(0, inboxFiles());
    }
}
