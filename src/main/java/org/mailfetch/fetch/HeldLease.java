package org.mailfetch.fetch;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.mailfetch.mail.Account;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's hold on its account's {@link AccountLease}, and how long that hold surely lasts: from
 * the moment the last successful take or renewal was sent, by this process's monotonic clock, the
 * lease's time less {@link #CLOCK_ALLOWANCE}. Another node can start a session of the account only
 * after that (it takes the lease only when the row's expiry, written from this node's clock, has
 * passed by its own).
 *
 * <p>The background renewal keeps the hold long; a session that wants to do something it can neither
 * undo nor recognise afterwards (an LMTP transaction: the server offers no idempotency key) asks
 * {@link #secure} first, which renews at once when the background renewal has fallen behind (a node
 * under load, a pause), and does it only within what is left. So a session whose lease ran out never
 * delivers next to the session that took it over.
 */
final class HeldLease {

    private static final Logger LOG = LoggerFactory.getLogger(HeldLease.class);

    /**
     * How far the nodes' clocks may disagree: lease expiries are written by one node's clock and read
     * by another's. Nodes must keep their clocks in step (NTP), as Quartz clustering requires anyway.
     * A lease shorter than four times this (tests) keeps a quarter of itself instead.
     */
    static final Duration CLOCK_ALLOWANCE = Duration.ofSeconds(2);

    private final AccountLease lease;
    private final Account account;
    private final String holder;
    private final long lastsNanos;
    /** The lease's time less what {@link #lastsNanos} counts on: the allowance for clocks. */
    private final long allowanceNanos;
    /** System.nanoTime() until which the hold surely lasts. */
    private final AtomicLong until;
    private volatile boolean lost;
    /** The session ended and gave the lease back: a renewal still under way must not call that a loss. */
    private volatile boolean ended;

    /** {@code sentNanos}: System.nanoTime() taken before the statement that took the lease was sent. */
    HeldLease(AccountLease lease, Account account, String holder, long sentNanos) {
        this.lease = lease;
        this.account = account;
        this.holder = holder;
        Duration quarter = lease.ttl().dividedBy(4);
        this.allowanceNanos = (quarter.compareTo(CLOCK_ALLOWANCE) < 0 ? quarter : CLOCK_ALLOWANCE).toNanos();
        this.lastsNanos = lease.ttl().toNanos() - allowanceNanos;
        this.until = new AtomicLong(sentNanos + lastsNanos);
    }

    /**
     * Renews the lease (the background renewal, and {@link #secure}); false when it is lost: another
     * process took it after it expired. A database error is thrown; the hold then shrinks until a
     * renewal succeeds again.
     */
    boolean renew() {
        return renew(lastsNanos);
    }

    /** Renews so that the hold lasts at least {@code holdNanos} from now (the lease that much and the allowance). */
    private boolean renew(long holdNanos) {
        if (lost || ended) {
            return false;
        }
        long sent = System.nanoTime();
        if (!lease.renew(account.id(), holder, Duration.ofNanos(holdNanos + allowanceNanos))) {
            if (ended) {
                return false; // released meanwhile: the row is gone, not taken
            }
            lost = true;
            LOG.error("{}: lost the session lease (another process took it after it expired); the session stops"
                    + " after the message in hand and delivers nothing more by LMTP", account.label());
            return false;
        }
        until.accumulateAndGet(sent + holdNanos, Math::max);
        return true;
    }

    /**
     * How long, in nanoseconds from now, the hold surely lasts; renewed first when less than
     * {@code wantedNanos} is left — for longer than the lease's usual time if that is wanted (a big
     * message's LMTP delivery: another node then waits for it). Zero or less: lost, or run out
     * without a renewal getting through.
     */
    long secure(long wantedNanos) {
        if (lost) {
            return 0;
        }
        long left = until.get() - System.nanoTime();
        if (left >= wantedNanos) {
            return left;
        }
        try {
            // with some to spare: the renewal itself takes time, and what is wanted counts from now
            if (!renew(Math.max(lastsNanos, wantedNanos + allowanceNanos))) {
                return 0;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot renew the session lease: {}", account.label(), e.getMessage());
        }
        // measured now, after the renewal: one that hung before it failed may have used up the hold
        return until.get() - System.nanoTime();
    }

    /** Half the lease: below this before a message, the hold is renewed at once instead of in the background. */
    long half() {
        return lease.ttl().toNanos() / 2;
    }

    boolean lost() {
        return lost;
    }

    /** Before the session gives the lease back: what renewals find after this is no loss. */
    void end() {
        ended = true;
    }
}
