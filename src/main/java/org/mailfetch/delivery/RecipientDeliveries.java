package org.mailfetch.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import org.mailfetch.store.Database;
import org.mailfetch.store.StoreException;

/**
 * The recipients an LMTP server has accepted a message for, by account and UIDL. A message whose
 * other recipients were deferred stays out of the ledger and is fetched again; these rows keep the
 * next session from delivering it a second time to those who have it.
 */
public final class RecipientDeliveries {

    private final Database db;

    public RecipientDeliveries(Database db) {
        this.db = db;
    }

    public Set<String> delivered(long accountId, String uidl) {
        return new HashSet<>(db.query("SELECT recipient FROM recipient_delivery WHERE account_id = ? AND uidl = ?",
                rs -> rs.getString(1), accountId, uidl));
    }

    /** Commits the rows at once: the LMTP server already has the message. */
    public void record(long accountId, String uidl, Collection<String> recipients, Instant at) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO recipient_delivery (account_id, uidl, recipient,"
                    + " delivered_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM recipient_delivery"
                    + " WHERE account_id = ? AND uidl = ? AND recipient = ?)")) {
                for (String r : recipients) {
                    ps.setLong(1, accountId);
                    ps.setString(2, uidl);
                    ps.setString(3, r);
                    ps.setTimestamp(4, Timestamp.from(at));
                    ps.setLong(5, accountId);
                    ps.setString(6, uidl);
                    ps.setString(7, r);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot record LMTP deliveries of UIDL " + uidl + ": " + e.getMessage(), e);
        }
    }
}
