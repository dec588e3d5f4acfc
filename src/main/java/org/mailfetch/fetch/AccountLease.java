package org.mailfetch.fetch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;

/**
 * At most one fetch session per account across processes: the service and a CLI `account fetch`
 * share the database, and whoever holds the row's unexpired lease runs the session. A holder that
 * dies leaves a lease that simply expires.
 */
public final class AccountLease {

    private final Database db;
    private final Clock clock;
    private final Duration ttl;

    public AccountLease(Database db, Clock clock, Duration ttl) {
        this.db = db;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Takes the lease for {@code holder} if it is free or expired. */
    public boolean tryAcquire(long accountId, String holder) {
        Instant now = clock.instant();
        if (db.update("UPDATE account_lease SET holder = ?, expires_at = ? WHERE account_id = ? AND expires_at < ?",
                holder, now.plus(ttl), accountId, now) == 1) {
            return true;
        }
        try {
            return db.update("INSERT INTO account_lease (account_id, holder, expires_at) VALUES (?, ?, ?)",
                    accountId, holder, now.plus(ttl)) == 1;
        } catch (Conflict heldByOther) {
            return false;
        }
    }

    /**
     * Extends a held lease to at least {@code lasting} from now (never shortens it: a longer one taken
     * for a long delivery stays until it passes); false if it was lost.
     */
    public boolean renew(long accountId, String holder, Duration lasting) {
        return db.update("UPDATE account_lease SET expires_at = GREATEST(expires_at, ?) WHERE account_id = ? AND holder = ?",
                clock.instant().plus(lasting), accountId, holder) == 1;
    }

    public void release(long accountId, String holder) {
        db.update("DELETE FROM account_lease WHERE account_id = ? AND holder = ?", accountId, holder);
    }

    public Duration ttl() {
        return ttl;
    }
}
