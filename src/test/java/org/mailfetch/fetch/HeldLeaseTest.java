package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailfetch.mail.Account;

/**
 * {@link HeldLease#secure} never reports more hold than is really left: when the synchronous renewal
 * hangs and then fails (the node cut off from the database while another node takes the account over:
 * the statement waits for the pool or the TCP timeout, then throws), the hold is measured after the
 * attempt, not before it — else an LMTP end of data could go out after the hold ran out.
 */
class HeldLeaseTest {

    /** A wall clock whose next reading hangs and then fails, like a renewal statement to an unreachable database. */
    private static final class HangingClock extends Clock {
        volatile long hangMillis;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            if (hangMillis > 0) {
                try {
                    Thread.sleep(hangMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("connection to the database timed out");
            }
            return Instant.now();
        }
    }

    private static Account account() {
        return new Account(7, "a", true, "pop3", "pop.example", 110, null, "kim", null, 5, false, List.of(),
                List.of(), false, false, false, false, null, "kim@example.org", Instant.now());
    }

    @Test
    @Timeout(30)
    void secureShouldNotReportTheHoldLeftBeforeARenewalThatHungAndFailed() throws Exception {
        HangingClock clock = new HangingClock();
        // 4 s lease: the hold lasts 3 s (a quarter kept for clocks), half is 2 s
        AccountLease lease = new AccountLease(null, clock, Duration.ofSeconds(4));
        long taken = System.nanoTime();
        HeldLease held = new HeldLease(lease, account(), "node-a", taken);
        long holdEnds = taken + Duration.ofSeconds(3).toNanos();

        Thread.sleep(1700); // the background renewal is late: about 1.3 s left, less than half the lease
        clock.hangMillis = 2500; // the synchronous renewal hangs for 2.5 s, then fails

        long reported = held.secure(held.half());
        long reallyLeft = holdEnds - System.nanoTime();

        assertTrue(reallyLeft < 0, "the hold really ran out during the renewal attempt: " + reallyLeft / 1_000_000 + " ms");
        assertTrue(reported <= 0, "secure() says the session still holds the account for " + reported / 1_000_000
                + " ms although its hold ended " + (-reallyLeft / 1_000_000) + " ms ago: LocalDelivery starts an LMTP"
                + " transaction with that as its deadline while another node may already be delivering");
    }
}
