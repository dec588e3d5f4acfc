package org.mailfetch.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A watchdog closes its connection at its deadline, wherever the deadline was moved, and never after a cancel. */
@Timeout(30)
class WatchdogTest {

    /** A connection that counts down when closed. */
    private static final class Connection implements AutoCloseable {
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void close() {
            closed.countDown();
        }

        boolean closedWithin(Duration d) throws InterruptedException {
            return closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void aDeadlineMovedLaterShouldCloseAtTheNewDeadlineNotTheFirst() throws Exception {
        Connection c = new Connection();
        Watchdog w = Watchdog.closeAfter(c, Duration.ofMillis(200));
        long start = System.nanoTime();
        w.moveTo(Duration.ofMillis(900));

        assertFalse(c.closedWithin(Duration.ofMillis(600)), "still open after the first deadline");
        assertFalse(w.expired());
        assertTrue(c.closedWithin(Duration.ofSeconds(5)), "closed at the moved deadline");
        assertTrue(w.expired());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(900).toNanos());
    }

    @Test
    void aDeadlineMovedEarlierShouldCloseAtOnceWhenDue() throws Exception {
        Connection c = new Connection();
        Watchdog w = Watchdog.closeAfter(c, Duration.ofMinutes(10));
        w.moveTo(Duration.ofMillis(100));

        assertTrue(c.closedWithin(Duration.ofSeconds(5)), "not left to the ten-minute check");
        assertTrue(w.expired());
    }

    @Test
    void aDeadlineMovedManyTimesShouldCloseOnceAtTheLast() throws Exception {
        Connection c = new Connection();
        Watchdog w = Watchdog.closeAfter(c, Duration.ofMillis(50));
        long end = System.nanoTime() + Duration.ofMillis(700).toNanos();
        while (System.nanoTime() < end) {
            w.moveTo(Duration.ofMillis(100)); // a message every millisecond, each moving the deadline on
            assertFalse(w.expired(), "closed while the deadline kept moving");
            Thread.sleep(1);
        }
        assertTrue(c.closedWithin(Duration.ofSeconds(5)));
        assertTrue(w.expired());
    }

    @Test
    void aCancelledWatchdogShouldNeverClose() throws Exception {
        Connection c = new Connection();
        Watchdog w = Watchdog.closeAfter(c, Duration.ofMillis(100));
        w.moveTo(Duration.ofMillis(150));
        w.cancel();
        w.moveTo(Duration.ofMillis(10));

        assertFalse(c.closedWithin(Duration.ofMillis(600)));
        assertFalse(w.expired());
    }
}
