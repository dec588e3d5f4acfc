package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.config.Settings;
import org.mailfetch.testsupport.Postgres;

/**
 * One schema design on both databases: the migrations give H2 and PostgreSQL the same tables,
 * columns (type family, length, nullability), primary keys, unique keys, foreign keys (with their
 * delete rules) and the id sequence, and record the same common versions.
 */
class SchemaParityIT {

    @TempDir
    Path dir;

    @Test
    void h2AndPostgresqlShouldHaveTheSameSchemaAfterTheMigrations() throws Exception {
        Postgres pg = Postgres.shared();
        Properties p = pg.settings(pg.createDatabase(), dir);
        p.setProperty(Settings.DATA_DIR, dir.resolve("pg-data").toString());
        List<String> h2;
        List<String> postgres;
        try (Database db = Database.open(dir.resolve("h2-data")); Connection c = db.connection()) {
            h2 = describe(c, "PUBLIC");
        }
        try (Database db = Database.open(Settings.of(p)); Connection c = db.connection()) {
            postgres = describe(c, "public");
        }
        assertTrue(h2.size() > 100, "the H2 description is suspiciously short: " + h2);
        assertTrue(h2.contains("table external_account"), String.valueOf(h2));
        List<String> onlyH2 = new ArrayList<>(h2);
        onlyH2.removeAll(postgres);
        List<String> onlyPostgres = new ArrayList<>(postgres);
        onlyPostgres.removeAll(h2);
        assertEquals(List.of(), onlyH2, "only on H2");
        assertEquals(List.of(), onlyPostgres, "only on PostgreSQL");
    }

    /** Everything a schema means to mailfetch, one sorted line each, names in lower case. */
    private static List<String> describe(Connection c, String schema) throws SQLException {
        TreeSet<String> out = new TreeSet<>();
        DatabaseMetaData meta = c.getMetaData();
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = meta.getTables(null, schema, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String t = rs.getString("TABLE_NAME");
                if (lower(t).startsWith("qrtz_")) {
                    // Quartz's own DDL for each database (QuartzTables, V30): the same tables, its types
                    out.add("table " + lower(t));
                } else if (!t.equalsIgnoreCase("flyway_schema_history")) {
                    tables.add(t);
                    out.add("table " + lower(t));
                }
            }
        }
        for (String t : tables) {
            try (var ps = c.prepareStatement("SELECT column_name, data_type, character_maximum_length, is_nullable"
                    + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
                ps.setString(1, schema);
                ps.setString(2, t);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add("column " + lower(t) + "." + lower(rs.getString(1)) + " " + family(rs.getString(2))
                                + (rs.getObject(3) == null ? "" : "(" + rs.getLong(3) + ")")
                                + ("YES".equals(rs.getString(4)) ? " null" : " not null"));
                    }
                }
            }
            List<String> pk = new ArrayList<>();
            try (ResultSet rs = meta.getPrimaryKeys(null, schema, t)) {
                while (rs.next()) {
                    pk.add(rs.getShort("KEY_SEQ") + ":" + lower(rs.getString("COLUMN_NAME")));
                }
            }
            out.add("primary key " + lower(t) + " " + new TreeSet<>(pk));
            try (ResultSet rs = meta.getImportedKeys(null, schema, t)) {
                while (rs.next()) {
                    out.add("foreign key " + lower(t) + "." + lower(rs.getString("FKCOLUMN_NAME")) + " -> "
                            + lower(rs.getString("PKTABLE_NAME")) + "." + lower(rs.getString("PKCOLUMN_NAME"))
                            + " on delete " + deleteRule(rs.getShort("DELETE_RULE")));
                }
            }
            java.util.Map<String, TreeSet<String>> unique = new java.util.TreeMap<>();
            try (ResultSet rs = meta.getIndexInfo(null, schema, t, true, false)) {
                while (rs.next()) {
                    if (rs.getString("COLUMN_NAME") != null) {
                        unique.computeIfAbsent(rs.getString("INDEX_NAME"), k -> new TreeSet<>())
                                .add(lower(rs.getString("COLUMN_NAME")));
                    }
                }
            }
            unique.values().forEach(cols -> out.add("unique " + lower(t) + " " + cols));
        }
        try (var rs = c.createStatement().executeQuery("SELECT sequence_name FROM information_schema.sequences")) {
            while (rs.next()) {
                out.add("sequence " + lower(rs.getString(1)));
            }
        }
        try (var rs = c.createStatement().executeQuery(
                "SELECT \"version\", \"description\", \"type\", \"success\" FROM \"flyway_schema_history\""
                        + " WHERE \"version\" IS NOT NULL")) {
            while (rs.next()) {
                out.add("migration V" + rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getBoolean(4));
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * No ON DELETE clause: H2 reports RESTRICT, PostgreSQL NO ACTION; without deferred constraints both
     * refuse the delete at the end of the statement.
     */
    private static String deleteRule(short rule) {
        return switch (rule) {
            case DatabaseMetaData.importedKeyCascade -> "cascade";
            case DatabaseMetaData.importedKeySetNull -> "set null";
            case DatabaseMetaData.importedKeyRestrict, DatabaseMetaData.importedKeyNoAction -> "refuse";
            default -> "rule " + rule;
        };
    }

    /** H2 and PostgreSQL name the same types a little differently. */
    private static String family(String dataType) {
        String t = lower(dataType);
        return switch (t) {
            case "timestamp" -> "timestamp without time zone";
            default -> t;
        };
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
