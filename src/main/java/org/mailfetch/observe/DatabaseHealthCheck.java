package org.mailfetch.observe;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.mailfetch.store.Database;

/** /observe/health is DOWN while the database (accounts, ledger, status) cannot be reached. */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final Database db;

    public DatabaseHealthCheck(Database db) {
        super("mailfetch", "database");
        this.db = db;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = db.connection()) {
            if (c.isValid(5)) {
                builder.up();
            } else {
                builder.message("the database connection is not valid").down();
            }
        } catch (SQLException | RuntimeException e) {
            builder.message("the database is unreachable: " + e.getMessage()).error(e).down();
        }
    }
}
