package org.mailfetch.account;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mailfetch.store.Database;
import org.mailfetch.store.StoreException;

/** The tables account_imap and account_imap_folder: an account's {@link ImapOptions}. */
public final class ImapOptionsStore {

    private final Database db;

    public ImapOptionsStore(Database db) {
        this.db = db;
    }

    /** The account's options; {@link ImapOptions#DEFAULT} when it has none of its own. */
    public ImapOptions get(long accountId) {
        List<String> folders = db.query("SELECT name FROM account_imap_folder WHERE account_id = ? ORDER BY seq",
                rs -> rs.getString(1), accountId);
        return db.query("SELECT move_to, mark_seen, idle FROM account_imap WHERE account_id = ?",
                        rs -> new ImapOptions(folders.isEmpty() ? ImapOptions.DEFAULT.folders() : folders,
                                rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)), accountId)
                .stream().findFirst().orElse(ImapOptions.DEFAULT);
    }

    /** Every account whose options ask for IDLE, with its options: two queries, however many accounts. */
    public Map<Long, ImapOptions> idleAccounts() {
        Map<Long, List<String>> folders = new HashMap<>();
        db.query("SELECT f.account_id, f.name FROM account_imap_folder f JOIN account_imap i"
                        + " ON i.account_id = f.account_id WHERE i.idle ORDER BY f.account_id, f.seq",
                rs -> folders.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2)));
        Map<Long, ImapOptions> idle = new HashMap<>();
        db.query("SELECT account_id, move_to, mark_seen FROM account_imap WHERE idle", rs -> {
            List<String> f = folders.get(rs.getLong(1));
            return idle.put(rs.getLong(1), new ImapOptions(f == null ? ImapOptions.DEFAULT.folders() : f,
                    rs.getString(2), rs.getBoolean(3), true));
        });
        return idle;
    }

    /** Replaces the account's options in one transaction. */
    public void set(long accountId, ImapOptions options) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            write(c, accountId, options);
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot store the IMAP options of account " + accountId + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the account's options within the caller's transaction (AccountStore's add and update). */
    static void write(Connection c, long accountId, ImapOptions options) throws SQLException {
        remove(c, accountId);
        try (PreparedStatement ins = c.prepareStatement(
                     "INSERT INTO account_imap (account_id, move_to, mark_seen, idle) VALUES (?, ?, ?, ?)");
             PreparedStatement folder = c.prepareStatement(
                     "INSERT INTO account_imap_folder (account_id, seq, name) VALUES (?, ?, ?)")) {
            ins.setLong(1, accountId);
            ins.setString(2, options.moveTo());
            ins.setBoolean(3, options.markSeen());
            ins.setBoolean(4, options.idle());
            ins.executeUpdate();
            int seq = 0;
            for (String name : options.folders()) {
                folder.setLong(1, accountId);
                folder.setInt(2, seq++);
                folder.setString(3, name);
                folder.addBatch();
            }
            folder.executeBatch();
        }
    }

    /** Drops the account's options within the caller's transaction: a POP3 account has none. */
    static void remove(Connection c, long accountId) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM account_imap_folder WHERE account_id = ?");
             PreparedStatement delOptions = c.prepareStatement("DELETE FROM account_imap WHERE account_id = ?")) {
            del.setLong(1, accountId);
            del.executeUpdate();
            delOptions.setLong(1, accountId);
            delOptions.executeUpdate();
        }
    }
}
