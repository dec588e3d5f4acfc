package org.mailfetch.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.mailfetch.store.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a shared database, this node's clock against the database's. The account leases are written by
 * one node's clock and read by another's, and a session counts on its lease for its time less 2 s
 * (fetch.HeldLease's allowance for clocks): a node whose clock is further off could start a session
 * next to another node's. So such a node refuses to start, and one more than half a second off is
 * warned about (NTP is not keeping it).
 */
public final class ClockCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ClockCheck.class);

    /** The most the nodes' clocks may disagree: the allowance the account leases leave for it. */
    static final Duration LIMIT = Duration.ofSeconds(2);
    private static final Duration WARN = Duration.ofMillis(500);

    private ClockCheck() {}

    /** Nothing on the embedded H2 database: one node, one clock. */
    public static void check(Database db, Clock clock) {
        if (!db.postgres()) {
            return;
        }
        long before = clock.millis();
        List<Instant> now = db.query("SELECT CURRENT_TIMESTAMP", rs -> rs.getTimestamp(1).toInstant());
        long after = clock.millis();
        Duration off = off(now.get(0), before, after);
        if (off.compareTo(LIMIT) > 0) {
            throw new IllegalStateException("this node's clock is " + off.toMillis() + " ms off the database's; the"
                    + " nodes' clocks must agree within " + LIMIT.toSeconds() + " s for the account leases (README,"
                    + " Several nodes): run NTP (e.g. chrony) and start again");
        }
        if (off.compareTo(WARN) > 0) {
            LOG.warn("this node's clock is {} ms off the database's (the nodes' clocks must agree within {} s): is NTP"
                    + " running?", off.toMillis(), LIMIT.toSeconds());
        }
    }

    /**
     * How far the database's time lies outside what this clock read around the query: the query's own
     * round trip is no error (a slow database never makes a node refuse to start).
     */
    static Duration off(Instant database, long before, long after) {
        long t = database.toEpochMilli();
        long outside = t < before ? before - t : t > after ? t - after : 0;
        return Duration.ofMillis(outside);
    }
}
