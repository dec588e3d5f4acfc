package org.mailfetch.net;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines for whole exchanges with a peer (a scanner daemon, an LMTP store): a socket's read
 * timeout only bounds each read, so a peer that answers one byte at a time, or a Unix socket that
 * has no timeout at all, could hold a session forever. When the deadline passes the connection is
 * closed, and the blocked read or write fails at once.
 *
 * <p>A deadline that moves with every message ({@link #moveTo(Duration)}) costs a volatile write
 * when it moves later: the timer's check, when it comes, finds the new deadline and waits again.
 * Only a deadline moved earlier than the pending check reschedules it. A cancel-and-schedule per
 * message instead woke the timer thread twice a message (a fifth of a small message's CPU).
 */
public final class Watchdog {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "mailfetch-deadline");
            thread.setDaemon(true);
            return thread;
        });
        // one deadline per exchange, nearly all cancelled: do not keep them until they would fire
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private final AutoCloseable connection;
    /** System.nanoTime() at which the connection is closed. */
    private volatile long deadlineNanos;
    private volatile boolean expired;
    /** Guarded by this: the pending check, when it runs, and whether the watchdog was cancelled. */
    private ScheduledFuture<?> check;
    private long checkAt;
    private boolean cancelled;

    private Watchdog(AutoCloseable connection, Duration limit) {
        this.connection = connection;
        this.deadlineNanos = System.nanoTime() + Math.max(1_000_000L, limit.toNanos());
        synchronized (this) {
            schedule(deadlineNanos);
        }
    }

    /** Closes {@code connection} once {@code limit} has passed, unless {@link #cancel()} came first. */
    public static Watchdog closeAfter(AutoCloseable connection, Duration limit) {
        return new Watchdog(connection, limit);
    }

    /** The connection is closed once {@code limit} from now has passed (sooner or later than before). */
    public void moveTo(Duration limit) {
        long at = System.nanoTime() + Math.max(1_000_000L, limit.toNanos());
        deadlineNanos = at;
        synchronized (this) {
            if (!cancelled && !expired && at - checkAt < 0) {
                check.cancel(false);
                schedule(at);
            }
        }
    }

    /** Guarded by this. */
    private void schedule(long at) {
        checkAt = at;
        check = TIMER.schedule(this::due, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void due() {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            long at = deadlineNanos;
            if (at - System.nanoTime() > 0) {
                schedule(at); // moved later since this check was scheduled
                return;
            }
            expired = true;
        }
        try {
            connection.close();
        } catch (Exception ignored) {
            // closing is the point; the reader sees the failure
        }
    }

    /** Whether the deadline passed (and the connection was closed by it). */
    public boolean expired() {
        return expired;
    }

    public synchronized void cancel() {
        cancelled = true;
        if (check != null) {
            check.cancel(false);
        }
    }
}
