package org.mailfetch.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

/**
 * The nodes of the cluster as Quartz knows them: instance id → last check-in (epoch millis). The
 * database is mailfetch's own, so every scheduler in it is one of its nodes.
 */
public final class ClusterMembers {

    private ClusterMembers() {
    }

    public static Map<String, Long> read(DataSource db) throws SQLException {
        Map<String, Long> members = new HashMap<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT instance_name, last_checkin_time FROM qrtz_scheduler_state")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next() && members.size() < 10_000) {
                    members.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return members;
    }
}
