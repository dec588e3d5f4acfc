package org.mailfetch.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.JavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Flyway migration 30: the tables of Quartz's JDBC JobStore, on which the nodes of a cluster share
 * their account triggers. The DDL is Quartz's own, read from the Quartz jar for the database at hand
 * (so it always matches the Quartz version that uses it); its DROP statements are left out, so a
 * database that has the tables already is an error rather than a silent loss of triggers. Created on
 * H2 too: one schema on both databases, although a single H2 node keeps its triggers in memory.
 */
public final class QuartzTables implements JavaMigration {

    static final MigrationVersion VERSION = MigrationVersion.fromVersion("30");

    @Override
    public MigrationVersion getVersion() {
        return VERSION;
    }

    @Override
    public String getDescription() {
        return "quartz tables";
    }

    @Override
    public Integer getChecksum() {
        return null; // the DDL is Quartz's: it may change with the Quartz version, the tables must not be re-created
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        String script = script(c.getMetaData().getDatabaseProductName());
        try (Statement s = c.createStatement()) {
            for (String statement : statements(read(script))) {
                s.execute(statement);
            }
        }
    }

    /** The Quartz resource with the DDL for this database. */
    static String script(String productName) throws SQLException {
        String p = productName.toLowerCase(Locale.ROOT);
        if (p.contains("postgres")) {
            return "org/quartz/impl/jdbcjobstore/tables_postgres.sql";
        }
        if (p.contains("h2")) {
            return "org/quartz/impl/jdbcjobstore/tables_h2.sql";
        }
        throw new SQLException("no Quartz tables for database " + productName + " (mailfetch runs on H2 or PostgreSQL)");
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = QuartzTables.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path (is the Quartz jar missing?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The script's CREATE statements: comments, DROP and the transaction control left out. */
    static List<String> statements(String script) {
        StringBuilder text = new StringBuilder();
        for (String line : script.split("\n")) {
            String t = line.strip();
            if (!t.startsWith("--") && !t.startsWith("#")) {
                text.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String statement : text.toString().split(";")) {
            String s = statement.strip();
            String head = s.toUpperCase(Locale.ROOT);
            if (!s.isEmpty() && !head.startsWith("DROP ") && !head.equals("COMMIT") && !head.startsWith("SET ")) {
                out.add(s);
            }
        }
        return out;
    }
}
