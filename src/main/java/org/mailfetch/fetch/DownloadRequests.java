package org.mailfetch.fetch;

import java.time.Instant;

import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;

/**
 * "Download now" requests that outlive the node they were made on: with several nodes the account's
 * session may be running elsewhere, and the request must then run right after it, on whichever node
 * holds the account. A session that starts clears the requests made before it (it fetches what they
 * asked for); the holder of the lease looks for newer ones when its session ends. The time recorded is
 * for people reading the table, not compared: the nodes' clocks may differ.
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

    /**
     * A session holding the account's lease is about to list the mailbox: every request recorded up to
     * now is served by it. Not by comparing times: {@code requested_at} is the asking node's clock,
     * and a node whose clock is ahead left a request no session on the others ever "came after", so
     * the lease holder ran session after session until its own clock caught up. A request recorded
     * after this delete stays for the holder to find when its session ends. Returns how many there were.
     */
    public int servedBy(long accountId) {
        return db.update("DELETE FROM download_request WHERE account_id = ?", accountId);
    }

    /** Whether a request is waiting for the account. */
    public boolean waiting(long accountId) {
        return !db.query("SELECT 1 FROM download_request WHERE account_id = ?", rs -> 1, accountId).isEmpty();
    }
}
