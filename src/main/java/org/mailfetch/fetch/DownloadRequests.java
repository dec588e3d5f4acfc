package org.mailfetch.fetch;

import java.time.Instant;

import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;

/**
 * "Download now" requests that outlive the node they were made on: with several nodes the account's
 * session may be running elsewhere, and the request must then run right after it, on whichever node
 * holds the account. A session that starts clears the requests made before it (it fetches what they
 * asked for); the holder of the lease looks for newer ones when its session ends.
 */
public final class DownloadRequests {

    private final Database db;

    public DownloadRequests(Database db) {
        this.db = db;
    }

    /** Records a request (the latest time wins). */
    public void record(long accountId, Instant at) {
        if (db.update("UPDATE download_request SET requested_at = ? WHERE account_id = ?", at, accountId) == 1) {
            return;
        }
        try {
            db.update("INSERT INTO download_request (account_id, requested_at) VALUES (?, ?)", accountId, at);
        } catch (Conflict recordedMeanwhile) {
            db.update("UPDATE download_request SET requested_at = ? WHERE account_id = ?", at, accountId);
        }
    }

    /** A session started at {@code start}: requests made up to then are served by it. */
    public void servedBy(long accountId, Instant start) {
        db.update("DELETE FROM download_request WHERE account_id = ? AND requested_at <= ?", accountId, start);
    }

    /** Whether a request is waiting for the account. */
    public boolean waiting(long accountId) {
        return !db.query("SELECT 1 FROM download_request WHERE account_id = ?", rs -> 1, accountId).isEmpty();
    }
}
