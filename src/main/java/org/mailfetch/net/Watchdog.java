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

    private final ScheduledFuture<?> deadline;
    private volatile boolean expired;

    private Watchdog(AutoCloseable connection, Duration limit) {
        this.deadline = TIMER.schedule(() -> {
            expired = true;
            try {
                connection.close();
            } catch (Exception ignored) {
                // closing is the point; the reader sees the failure
            }
        }, Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Closes {@code connection} once {@code limit} has passed, unless {@link #cancel()} came first. */
    public static Watchdog closeAfter(AutoCloseable connection, Duration limit) {
        return new Watchdog(connection, limit);
    }

    /** Whether the deadline passed (and the connection was closed by it). */
    public boolean expired() {
        return expired;
    }

    public void cancel() {
        deadline.cancel(false);
    }
}
