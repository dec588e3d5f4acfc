package org.mailfetch.fetch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.mailfetch.store.Database;
import org.mailfetch.store.StoreException;

/**
 * Which UIDLs of an account have been delivered, and when each was first downloaded. A row is
 * committed only after its message is durable, and before the server may delete it.
 */
public final class UidlLedger {

    private final Database db;

    public UidlLedger(Database db) {
        this.db = db;
    }

    /** Every recorded UIDL of the account with its first-download time. */
    public Map<String, Instant> load(long accountId) {
        Map<String, Instant> out = new HashMap<>();
        db.query("SELECT uidl, first_downloaded_at FROM uidl_ledger WHERE account_id = ?",
                rs -> out.put(rs.getString(1), rs.getTimestamp(2).toInstant()), accountId);
        return out;
    }

    /** Records a batch of delivered UIDLs in one transaction (group commit). */
    public void record(long accountId, Collection<String> uidls, Instant downloadedAt) {
        record(accountId, uidls, downloadedAt, Map.of());
    }

    /**
     * Records a batch of delivered UIDLs in one transaction (group commit), each with the internal
     * date its delivery used (from the Received header), where {@code internalDates} has one.
     */
    public void record(long accountId, Collection<String> uidls, Instant downloadedAt, Map<String, Instant> internalDates) {
        if (uidls.isEmpty()) {
            return;
        }
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO uidl_ledger (account_id, uidl, first_downloaded_at, internal_date) SELECT ?, ?, ?, ?"
                            + " WHERE NOT EXISTS (SELECT 1 FROM uidl_ledger WHERE account_id = ? AND uidl = ?)")) {
                for (String uidl : uidls) {
                    Instant internal = internalDates.get(uidl);
                    ps.setLong(1, accountId);
                    ps.setString(2, uidl);
                    ps.setTimestamp(3, Timestamp.from(downloadedAt));
                    ps.setTimestamp(4, internal == null ? null : Timestamp.from(internal));
                    ps.setLong(5, accountId);
                    ps.setString(6, uidl);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot record " + uidls.size() + " UIDLs of account " + accountId + ": "
                    + e.getMessage(), e);
        }
    }

    /** The internal date recorded with a delivered UIDL ("Retrieve date from Received headers"), if any. */
    public java.util.Optional<Instant> internalDate(long accountId, String uidl) {
        return db.query("SELECT internal_date FROM uidl_ledger WHERE account_id = ? AND uidl = ?",
                rs -> java.util.Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant), accountId, uidl)
                .stream().findFirst().flatMap(o -> o);
    }

    /** Forgets UIDLs no longer on the server; call only with a complete listing. Returns how many. */
    public int purgeAbsent(long accountId, Set<String> onServer, Set<String> recorded) {
        int purged = 0;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM uidl_ledger WHERE account_id = ? AND uidl = ?")) {
                for (String uidl : recorded) {
                    if (!onServer.contains(uidl)) {
                        ps.setLong(1, accountId);
                        ps.setString(2, uidl);
                        ps.addBatch();
                        purged++;
                    }
                }
                ps.executeBatch();
            }
            c.commit();
            return purged;
        } catch (SQLException e) {
            throw new StoreException("cannot purge the UIDL ledger of account " + accountId + ": " + e.getMessage(), e);
        }
    }
}
