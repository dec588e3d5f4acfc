package org.mailfetch.fetch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.mailfetch.store.Database;
import org.mailfetch.store.StoreException;

/**
 * Which UIDLs (ledger keys, a POP3 listing repeating a UIDL gives "x", "x#2", …) of an account have been delivered, when each was
 * first downloaded, its LIST size and content digest, and whether the server applied its DELE — so
 * that a UIDL the server reuses for another message is fetched, not deleted unseen. A row is
 * committed only after its message is durable, and before the server may delete it. The table
 * message_failure counts, per UIDL, the sessions in a row in which its download failed.
 */
public final class UidlLedger {

    /**
     * A recorded message, as a session needs it to diff a listing: {@code listSize} is null for rows
     * older than V5. The content digest stays in the table (no session reads it back: loading it for
     * every row of a 100,000-message mailbox cost time and some 10 MB of heap per session).
     */
    public record Row(Instant firstDownloaded, Long listSize, Instant deletedAt, boolean matchedByDigest) {

        /**
         * Whether the listed message is the one this row recorded: its DELE was not applied and
         * its LIST size (when both are known) is the same. Otherwise the UIDL was reused.
         */
        public boolean sameMessage(long listedSize) {
            return deletedAt == null && (listSize == null || listedSize < 0 || listSize == listedSize);
        }
    }

    /**
     * What a delivered message adds to the ledger. {@code messageDigest}: what names the message apart
     * from its key (IMAP: folder, Message-ID, INTERNALDATE, size), or null.
     */
    public record Entry(String uidl, long listSize, String contentDigest, Instant internalDate, String messageDigest) {
        public Entry(String uidl, long listSize, String contentDigest, Instant internalDate) {
            this(uidl, listSize, contentDigest, internalDate, null);
        }
    }

    /** A message whose download failed in {@code failures} sessions in a row. */
    public record Failure(int failures, Long listSize, String lastError) {}

    private final Database db;

    public UidlLedger(Database db) {
        this.db = db;
    }

    /** Every recorded UIDL of the account with its first-download time. */
    public Map<String, Instant> load(long accountId) {
        Map<String, Instant> out = new HashMap<>();
        rows(accountId).forEach((k, r) -> out.put(k, r.firstDownloaded()));
        return out;
    }

    /**
     * Every recorded UIDL of the account with what was recorded about it. On H2 the rows are read as
     * the query walks the table (lazy execution): by default H2 first copies a result of more than
     * ~40,000 rows to a temporary file, which made loading a 100,000-message mailbox's ledger 2-4x slower.
     */
    public Map<String, Row> rows(long accountId) {
        Map<String, Row> out = new HashMap<>();
        try (Connection c = db.connection()) {
            boolean h2 = !db.postgres();
            if (h2) {
                lazy(c, true);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT uidl, first_downloaded_at, list_size, deleted_at,"
                    + " matched_by_digest FROM uidl_ledger WHERE account_id = ?")) {
                ps.setLong(1, accountId);
                ps.setFetchSize(1000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long size = rs.getLong(3);
                        Long listSize = rs.wasNull() ? null : size;
                        // TIMESTAMP WITH TIME ZONE read without a java.sql.Timestamp and local time zone
                        // round trip per row (a visible share of a 100,000-row load)
                        out.put(rs.getString(1), new Row(Database.instant(rs, 2), listSize,
                                Database.instant(rs, 4), rs.getBoolean(5)));
                    }
                }
            } finally {
                if (h2) {
                    lazy(c, false); // the pooled connection goes back as it came
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the UIDL ledger of account " + accountId + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void lazy(Connection c, boolean on) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LAZY_QUERY_EXECUTION " + (on ? "TRUE" : "FALSE"));
        }
    }

    /** Records a batch of delivered UIDLs in one transaction (group commit); no size or digest known. */
    public void record(long accountId, Collection<String> uidls, Instant downloadedAt) {
        record(accountId, uidls.stream().map(u -> new Entry(u, -1, null, null)).toList(), downloadedAt);
    }

    /**
     * Records a batch of delivered messages in one transaction (group commit). A row left by an
     * earlier message under the same UIDL (reused by the server) is replaced.
     */
    public void record(long accountId, List<Entry> entries, Instant downloadedAt) {
        if (entries.isEmpty()) {
            return;
        }
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM uidl_ledger WHERE account_id = ? AND uidl = ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO uidl_ledger (account_id, uidl,"
                         + " first_downloaded_at, internal_date, list_size, content_digest, message_digest)"
                         + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (Entry e : entries) {
                    del.setLong(1, accountId);
                    del.setString(2, e.uidl());
                    del.addBatch();
                    ins.setLong(1, accountId);
                    ins.setString(2, e.uidl());
                    ins.setTimestamp(3, Timestamp.from(downloadedAt));
                    ins.setTimestamp(4, e.internalDate() == null ? null : Timestamp.from(e.internalDate()));
                    if (e.listSize() < 0) {
                        ins.setNull(5, Types.BIGINT);
                    } else {
                        ins.setLong(5, e.listSize());
                    }
                    ins.setString(6, e.contentDigest());
                    ins.setString(7, e.messageDigest());
                    ins.addBatch();
                }
                del.executeBatch();
                ins.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot record " + entries.size() + " UIDLs of account " + accountId + ": "
                    + e.getMessage(), e);
        }
    }

    /** The message digests (see {@link Entry#messageDigest()}) of the account's rows that have one, by key. */
    public Map<String, String> messageDigests(long accountId) {
        Map<String, String> out = new HashMap<>();
        db.query("SELECT uidl, message_digest FROM uidl_ledger WHERE account_id = ? AND message_digest IS NOT NULL",
                rs -> out.put(rs.getString(1), rs.getString(2)), accountId);
        return out;
    }

    /**
     * Gives recorded rows new keys (old key to new key), in one transaction: the server renumbered
     * messages it still holds (an IMAP UIDVALIDITY change). Failure counts under the old keys go.
     */
    public void rekey(long accountId, Map<String, String> newKeys) {
        if (newKeys.isEmpty()) {
            return;
        }
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement up = c.prepareStatement("UPDATE uidl_ledger SET uidl = ?, matched_by_digest = TRUE WHERE account_id = ? AND uidl = ?");
                 PreparedStatement del = c.prepareStatement("DELETE FROM message_failure WHERE account_id = ? AND uidl = ?")) {
                for (Map.Entry<String, String> e : newKeys.entrySet()) {
                    up.setString(1, e.getValue());
                    up.setLong(2, accountId);
                    up.setString(3, e.getKey());
                    up.addBatch();
                    del.setLong(1, accountId);
                    del.setString(2, e.getKey());
                    del.addBatch();
                }
                up.executeBatch();
                del.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot re-key " + newKeys.size() + " ledger rows of account " + accountId + ": "
                    + e.getMessage(), e);
        }
    }

    /** After a +OK to QUIT: the server applied the DELE of these UIDLs. */
    public void markDeleted(long accountId, Collection<String> uidls, Instant at) {
        batch("UPDATE uidl_ledger SET deleted_at = ? WHERE account_id = ? AND uidl = ?", accountId, uidls,
                Timestamp.from(at));
    }

    /** The internal date recorded with a delivered UIDL ("Retrieve date from Received headers"), if any. */
    public Optional<Instant> internalDate(long accountId, String uidl) {
        return db.query("SELECT internal_date FROM uidl_ledger WHERE account_id = ? AND uidl = ?",
                rs -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant), accountId, uidl)
                .stream().findFirst().flatMap(o -> o);
    }

    /** Forgets UIDLs (and their failure counts) no longer on the server; call only with a complete listing. */
    public int purgeAbsent(long accountId, Set<String> onServer, Set<String> recorded) {
        return purgeAbsent(accountId, onServer, recorded, failures(accountId).keySet());
    }

    /**
     * As {@link #purgeAbsent(long, Set, Set)}, for a caller that knows the account's failure keys
     * (the session does: what it loaded, less what it cleared, plus what it counted), sparing a query.
     */
    public int purgeAbsent(long accountId, Set<String> onServer, Collection<String> recorded, Collection<String> failureKeys) {
        List<String> gone = recorded.stream().filter(u -> !onServer.contains(u)).distinct().toList();
        batch("DELETE FROM uidl_ledger WHERE account_id = ? AND uidl = ?", accountId, gone, null);
        List<String> goneFailures = failureKeys.stream().filter(u -> !onServer.contains(u)).distinct().toList();
        batch("DELETE FROM message_failure WHERE account_id = ? AND uidl = ?", accountId, goneFailures, null);
        return gone.size();
    }

    /** The failure counts of the account's messages. */
    public Map<String, Failure> failures(long accountId) {
        Map<String, Failure> out = new HashMap<>();
        db.query("SELECT uidl, failures, list_size, last_error FROM message_failure WHERE account_id = ?",
                rs -> out.put(rs.getString(1), new Failure(rs.getInt(2), rs.getObject(3) == null ? null : rs.getLong(3),
                        rs.getString(4))), accountId);
        return out;
    }

    /**
     * One more failed session for each of {@code failed} (UIDL to its LIST size and error), and a
     * clean slate for each of {@code succeeded}.
     */
    public void countFailures(long accountId, Map<String, Failure> failed, Collection<String> succeeded) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM message_failure WHERE account_id = ? AND uidl = ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO message_failure (account_id, uidl, list_size,"
                         + " failures, last_error) VALUES (?, ?, ?, ?, ?)")) {
                for (String u : succeeded) {
                    del.setLong(1, accountId);
                    del.setString(2, u);
                    del.addBatch();
                }
                for (Map.Entry<String, Failure> e : failed.entrySet()) {
                    del.setLong(1, accountId);
                    del.setString(2, e.getKey());
                    del.addBatch();
                    ins.setLong(1, accountId);
                    ins.setString(2, e.getKey());
                    ins.setObject(3, e.getValue().listSize());
                    ins.setInt(4, e.getValue().failures());
                    String err = e.getValue().lastError();
                    ins.setString(5, err != null && err.length() > 2000 ? err.substring(0, 2000) : err);
                    ins.addBatch();
                }
                del.executeBatch();
                ins.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot count message failures of account " + accountId + ": " + e.getMessage(), e);
        }
    }

    private void batch(String sql, long accountId, Collection<String> uidls, Timestamp first) {
        if (uidls.isEmpty()) {
            return;
        }
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (String uidl : uidls) {
                    int i = 1;
                    if (first != null) {
                        ps.setTimestamp(i++, first);
                    }
                    ps.setLong(i++, accountId);
                    ps.setString(i, uidl);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot update the UIDL ledger of account " + accountId + ": " + e.getMessage(), e);
        }
    }
}
