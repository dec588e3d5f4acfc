package db.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Outbox recipients become rows of their own (issue 8, open relay): the comma-joined
 * {@code outbox.recipients} / {@code failed_recipients} columns let one quoted local part holding
 * commas turn into several RCPT TOs. Existing rows are split the way the old code split them; any
 * piece that is not an address of the route's domain is refused by the sender before RCPT TO.
 * A Java migration because splitting a string into rows has no portable SQL (H2 and PostgreSQL).
 */
public class V6__outbox_recipient_list extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        try (Statement s = c.createStatement()) {
            // list_name: TO_SEND (still to deliver while WAITING, given up on when FAILED) or FAILED
            // (refused permanently so far); seq keeps the order the recipients were queued in.
            s.execute("CREATE TABLE outbox_recipient ("
                    + " outbox_id BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
                    + " list_name VARCHAR(10) NOT NULL,"
                    + " seq INTEGER NOT NULL,"
                    + " recipient VARCHAR(320) NOT NULL,"
                    + " PRIMARY KEY (outbox_id, list_name, seq))");
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, recipients, failed_recipients FROM outbox");
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO outbox_recipient (outbox_id, list_name, seq, recipient) VALUES (?, ?, ?, ?)")) {
            while (rs.next()) {
                copy(insert, rs.getLong(1), "TO_SEND", rs.getString(2));
                copy(insert, rs.getLong(1), "FAILED", rs.getString(3));
            }
            insert.executeBatch();
        }
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE outbox DROP COLUMN recipients");
            s.execute("ALTER TABLE outbox DROP COLUMN failed_recipients");
        }
    }

    private static void copy(PreparedStatement insert, long id, String list, String csv) throws SQLException {
        if (csv == null || csv.isBlank()) {
            return;
        }
        int position = 0;
        for (String r : csv.split(",")) {
            if (r.isBlank()) {
                continue;
            }
            String cut = r.strip();
            insert.setLong(1, id);
            insert.setString(2, list);
            insert.setInt(3, position++);
            insert.setString(4, cut.length() > 320 ? cut.substring(0, 320) : cut);
            insert.addBatch();
        }
    }
}
