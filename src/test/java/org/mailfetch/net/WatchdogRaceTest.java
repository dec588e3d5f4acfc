package org.mailfetch.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review of {@link Watchdog#moveTo}: moves earlier and later racing the timer's checks. A watchdog not
 * expired when a move returns never closes before the moved deadline, always closes after it, closes
 * once, and a cancel ends every pending check (also one orphaned by a move racing a running check).
 */
@Timeout(60)
class WatchdogRaceTest {

    private static final class Conn implements AutoCloseable {
        final AtomicInteger closes = new AtomicInteger();
        final AtomicLong closedAt = new AtomicLong();

        @Override
        public void close() {
            closedAt.compareAndSet(0, System.nanoTime());
            closes.incrementAndGet();
        }
    }

    @Test
    void movesRacingTheTimerShouldNeverCloseEarlyNeverMissTheDeadlineAndStopAtCancel() throws Exception {
        List<Conn> conns = new ArrayList<>();
        List<Long> finalDeadlines = new ArrayList<>();
        List<Watchdog> cancelled = new ArrayList<>();
        List<Conn> cancelledConns = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Conn c = new Conn();
            Watchdog w = Watchdog.closeAfter(c, Duration.ofNanos(1_000_000));
            for (int j = 0; j < 40; j++) {
                // earlier and later in turn, around the checks the timer runs now
                w.moveTo(Duration.ofNanos(j % 2 == 0 ? 1_000_000 : 3_000_000));
            }
            if (i % 2 == 0) {
                long before = System.nanoTime();
                w.moveTo(Duration.ofMillis(40));
                if (!w.expired()) {
                    conns.add(c);
                    finalDeadlines.add(before + Duration.ofMillis(40).toNanos());
                }
            } else {
                w.moveTo(Duration.ofNanos(1_000_000));
                w.cancel();
                if (!w.expired()) {
                    cancelled.add(w);
                    cancelledConns.add(c);
                }
            }
        }
        Thread.sleep(1500);
        assertTrue(conns.size() > 50, "enough watchdogs moved while not expired: " + conns.size());
        for (int i = 0; i < conns.size(); i++) {
            Conn c = conns.get(i);
            assertEquals(1, c.closes.get(), "closed once, after the moved deadline");
            assertTrue(c.closedAt.get() - finalDeadlines.get(i) >= 0,
                    "closed " + (finalDeadlines.get(i) - c.closedAt.get()) / 1000 + " us before the moved deadline");
        }
        for (Conn c : cancelledConns) {
            assertEquals(0, c.closes.get(), "a cancelled watchdog never closes");
        }
    }
}
