package org.mailfetch.fetch;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;

/**
 * The account_status table: written by sessions (and by the service's IMAP IDLE watches: idle_live,
 * idle_note), read by the CLI and the admin APIs.
 */
public final class StatusBoard {

    private final Database db;
    /** This node's name, recorded with every session it starts. */
    private final String node;

    public StatusBoard(Database db, String node) {
        this.db = db;
        this.node = node;
    }

    public AccountStatus get(long accountId) {
        return db.query("SELECT * FROM account_status WHERE account_id = ?", StatusBoard::read, accountId).stream()
                .findFirst().orElse(AccountStatus.never(accountId));
    }

    public void started(long accountId, Instant at) {
        ensureRow(accountId);
        db.update("UPDATE account_status SET running = TRUE, last_start = ?, last_node = ? WHERE account_id = ?", at, node,
                accountId);
    }

    /** Records a finished (or failed) session; login failures count up on a login error and reset otherwise. */
    public void finished(long accountId, SessionSummary s, boolean loginFailed, Instant backoffUntil, Instant nextRun) {
        ensureRow(accountId);
        db.update("UPDATE account_status SET running = FALSE, last_end = ?, last_result = ?, last_error = ?,"
                        + " downloaded = ?, delivered = ?, deleted = ?, failed = ?, bytes = ?,"
                        + " total_downloaded = total_downloaded + ?, total_bytes = total_bytes + ?,"
                        + " login_failures = " + (loginFailed ? "login_failures + 1" : "0") + ","
                        + " backoff_until = ?, next_run = ? WHERE account_id = ?",
                s.end(), s.result().word(), truncate(s.error()), s.downloaded(), s.delivered(), s.deleted(), s.failed(),
                s.bytes(), s.downloaded(), s.bytes(), backoffUntil, nextRun, accountId);
    }

    /** A session that did not start (lease held, low disk, backing off): only the result and reason change. */
    public void skipped(long accountId, String reason, Instant nextRun) {
        ensureRow(accountId);
        db.update("UPDATE account_status SET last_result = 'skipped', last_error = ?, next_run = ? WHERE account_id = ?",
                truncate(reason), nextRun, accountId);
    }

    public void nextRun(long accountId, Instant nextRun) {
        ensureRow(accountId);
        db.update("UPDATE account_status SET next_run = ? WHERE account_id = ?", nextRun, accountId);
    }

    /** IMAP IDLE: whether every folder of the account is watched now; the note stays as it is. */
    public void idleLive(long accountId, boolean live) {
        ensureRow(accountId);
        db.update("UPDATE account_status SET idle_live = ? WHERE account_id = ?", live, accountId);
    }

    /**
     * IMAP IDLE: whether every folder of the account is watched, and if not, why (null: not pushed).
     * Kept in the table, so that the CLI and other processes see what the running service does.
     */
    public void idle(long accountId, boolean live, String note) {
        ensureRow(accountId);
        db.update("UPDATE account_status SET idle_live = ?, idle_note = ? WHERE account_id = ?", live, truncate(note),
                accountId);
    }

    /** At service start: no IDLE connection is up yet, whatever a process that ended left behind. */
    public void clearIdle() {
        db.update("UPDATE account_status SET idle_live = FALSE, idle_note = NULL WHERE idle_live OR idle_note IS NOT NULL");
    }

    /**
     * Makes the account's row if it is missing, so that the UPDATE which follows finds it. Sessions
     * (other threads, or the CLI in another process) and the IDLE watch may both find the row missing
     * and insert it at once: NOT EXISTS does not lock (neither in H2 nor in PostgreSQL), so all but one
     * of them fail on the primary key. For them the row exists now, which is all this asks: the
     * duplicate key is taken as success (each statement runs in its own transaction, so a failed
     * INSERT leaves nothing aborted in PostgreSQL either). Any other error, a missing account among
     * them, still fails.
     */
    private void ensureRow(long accountId) {
        try {
            db.update("INSERT INTO account_status (account_id) SELECT ? WHERE NOT EXISTS"
                    + " (SELECT 1 FROM account_status WHERE account_id = ?)", accountId, accountId);
        } catch (Conflict e) {
            if (!duplicateKey(e)) {
                throw e;
            }
        }
    }

    /** SQLSTATE 23505, unique violation: the same in H2 and PostgreSQL. */
    private static boolean duplicateKey(Conflict e) {
        return e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState());
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 2000 ? s : s.substring(0, 1997) + "...";
    }

    private static AccountStatus read(ResultSet rs) throws SQLException {
        return new AccountStatus(rs.getLong("account_id"), rs.getBoolean("running"), instant(rs, "last_start"),
                instant(rs, "last_end"), rs.getString("last_result"), rs.getString("last_error"), rs.getInt("downloaded"),
                rs.getInt("delivered"), rs.getInt("deleted"), rs.getInt("failed"), rs.getLong("bytes"),
                rs.getLong("total_downloaded"), rs.getLong("total_bytes"), rs.getInt("login_failures"),
                instant(rs, "backoff_until"), instant(rs, "next_run"), rs.getBoolean("idle_live"),
                rs.getString("idle_note"), rs.getString("last_node"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
