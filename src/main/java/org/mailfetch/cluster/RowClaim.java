package org.mailfetch.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.mailfetch.store.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A claim on one row (an outbox entry, a quarantined message) for one piece of work that must not
 * run on two nodes at once: sending, releasing, deleting. Taking it is one portable UPDATE that only
 * succeeds when nobody holds the row or the holder's claim ran out ({@code claimed_by},
 * {@code claimed_until}); while the work runs the claim is renewed every third of its lifetime, so a
 * node that dies leaves a claim that simply expires and the next node takes the row over. The work
 * records its outcome with a statement that also requires {@link #HELD} and clears the claim
 * ({@link #CLEAR}), so a node whose claim was taken over never overwrites the new holder's outcome.
 * Expiry is judged by each node's clock: run the nodes with NTP (a skew must stay well under {@link #TTL}).
 */
public final class RowClaim {

    /** How long a claim lasts without renewal: a dead node's rows are taken over after this. */
    public static final Duration TTL = Duration.ofMinutes(2);

    /** The condition the outcome's statement adds to its WHERE, with {@link #claimer()} as its argument. */
    public static final String HELD = "claimed_by = ?";

    /** What the outcome's statement adds to its SET: nobody holds the row any more. */
    public static final String CLEAR = "claimed_by = NULL, claimed_until = NULL";

    private static final Logger LOG = LoggerFactory.getLogger(RowClaim.class);
    private static final Pattern TABLE = Pattern.compile("[a-z_]+");
    private static final ScheduledExecutorService RENEWER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailfetch-claims");
        t.setDaemon(true);
        return t;
    });

    private final Database db;
    private final String table;
    private final String claimer;
    private final Clock clock;
    private final Duration ttl;

    /** {@code table}: ours, with {@code id}, {@code claimed_by} and {@code claimed_until} columns. */
    public RowClaim(Database db, String table, String claimer, Clock clock) {
        this(db, table, claimer, clock, TTL);
    }

    RowClaim(Database db, String table, String claimer, Clock clock, Duration ttl) {
        if (!TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        this.db = db;
        this.table = table;
        this.claimer = claimer;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Who this process claims as ("node/pid"). */
    public String claimer() {
        return claimer;
    }

    /**
     * Takes row {@code id} when it is free (or its claim ran out) and {@code condition} (SQL over the
     * row, with {@code args}; null for none) holds; empty when another node has it or the row is not there.
     */
    public Optional<Held> take(long id, String condition, Object... args) {
        Instant now = clock.instant();
        Object[] all = new Object[3 + args.length + 1];
        all[0] = claimer;
        all[1] = until(now);
        all[2] = id;
        System.arraycopy(args, 0, all, 3, args.length);
        all[all.length - 1] = now;
        int taken = db.update("UPDATE " + table + " SET claimed_by = ?, claimed_until = ? WHERE id = ?"
                + (condition == null ? "" : " AND " + condition)
                + " AND (claimed_until IS NULL OR claimed_until < ?)", all);
        return taken == 1 ? Optional.of(new Held(id)) : Optional.empty();
    }

    /** Who holds row {@code id} now (null: nobody, or no such row). */
    public String holder(long id) {
        return db.query("SELECT claimed_by FROM " + table + " WHERE id = ? AND claimed_until >= ?",
                rs -> rs.getString(1), id, clock.instant()).stream().findFirst().orElse(null);
    }

    private Instant until(Instant now) {
        // millisecond precision: the database may round finer fractions
        return now.plus(ttl).truncatedTo(ChronoUnit.MILLIS);
    }

    /** A claim held by this process: renewed until closed; closing does not clear it (the outcome does). */
    public final class Held implements AutoCloseable {

        private final long id;
        private final ScheduledFuture<?> renewal;
        private volatile boolean lost;

        private Held(long id) {
            this.id = id;
            long every = Math.max(1, ttl.toMillis() / 3);
            this.renewal = RENEWER.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
        }

        /** Extends the claim (the renewal thread calls this every third of its life). */
        void renew() {
            try {
                if (db.update("UPDATE " + table + " SET claimed_until = ? WHERE id = ? AND " + HELD,
                        until(clock.instant()), id, claimer) == 0) {
                    lost = true;
                    renewal.cancel(false);
                    LOG.error("{} {}: the claim of {} was lost (it ran out and another node took the row over)",
                            table, id, claimer);
                }
            } catch (RuntimeException e) {
                // the database is unreachable: try again at the next tick; the claim runs out if it stays so
                LOG.warn("{} {}: cannot renew the claim: {}", table, id, e.getMessage());
            }
        }

        /** True once a renewal found the row held by someone else. */
        public boolean lost() {
            return lost;
        }

        /** Clears the claim without an outcome (the work did not happen): the row is free at once. */
        public void release() {
            close();
            db.update("UPDATE " + table + " SET " + CLEAR + " WHERE id = ? AND " + HELD, id, claimer);
        }

        @Override
        public void close() {
            renewal.cancel(false);
        }
    }
}
