package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The account_status row of an account is made by whoever writes first: a session (started, finished,
 * skipped, next run) or the IDLE watch (idle, idleLive), from different threads and processes. Two of
 * them making it at once must both go on to their UPDATE, not fail on the duplicate key (which left an
 * account's IDLE status unrecorded, and so not live, until the watch next changed).
 */
class StatusBoardRaceTest {

    private static final int ROUNDS = 60;
    private static final int THREADS = 6;

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new MailfetchFixture(dataDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void writersOfAFreshAccountsRowAtOnceShouldAllSucceedAndTheIdleStatusShouldStick() throws Exception {
        StatusBoard status = fixture.services().status();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        ConcurrentLinkedQueue<Throwable> escaped = new ConcurrentLinkedQueue<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Account a = fixture.addAccount("race" + round, 110, "u" + round, "pw", DeleteMode.NEVER);
                long id = a.id();
                String note = "round " + round + ": 1 of 2 folders watched";
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int which = t;
                    done.add(pool.submit(() -> {
                        try {
                            start.await(10, TimeUnit.SECONDS);
                            Instant now = Instant.now();
                            switch (which) {
                                case 0 -> status.idle(id, false, note); // the IDLE watch: the only idle writer
                                case 1 -> status.started(id, now);
                                case 2 -> status.finished(id, ok(id, now), false, null, now.plusSeconds(60));
                                case 3 -> status.nextRun(id, now.plusSeconds(60));
                                case 4 -> status.skipped(id, "lease held", now.plusSeconds(60));
                                default -> status.started(id, now);
                            }
                        } catch (Throwable e) {
                            escaped.add(e);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertTrue(escaped.isEmpty(), () -> "account " + id + ": " + escaped.peek());
                AccountStatus s = status.get(id);
                assertFalse(s.idleLive(), "round " + round);
                assertEquals(note, s.idleNote(), "round " + round + ": the IDLE status was recorded");

                // and the IDLE watch going live afterwards is recorded too, once the row exists
                status.idle(id, true, null);
                assertTrue(status.get(id).idleLive(), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRowForAnAccountThatIsGoneShouldStillBeRefused() {
        // Only the duplicate key is tolerated: a missing account (foreign key) is still an error.
        assertThrows(RuntimeException.class, () -> fixture.services().status().idle(987654321L, true, null));
    }

    private static SessionSummary ok(long id, Instant at) {
        return new SessionSummary(id, "race", SessionSummary.Result.OK, null, at, at, 1, 1, 0, 0, 0, 0, 10, Map.of());
    }
}
