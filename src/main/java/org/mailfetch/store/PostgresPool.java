package org.mailfetch.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;

/**
 * The bounded connection pool (HikariCP) to the PostgreSQL database of a {@link DatabaseConfig}. Its
 * errors name the database by {@link DatabaseConfig#describe()}, never by the whole URL.
 */
final class PostgresPool {

    private PostgresPool() {
    }

    static HikariDataSource open(DatabaseConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("mailfetch-db");
        hikari.setDriverClassName("org.postgresql.Driver");
        hikari.setJdbcUrl(config.url());
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        // as long as H2's pool waits for a free connection; a database that does not answer at all fails
        // the call instead of hanging it
        hikari.setConnectionTimeout(30_000);
        // defaults the URL may override: the name in pg_stat_activity, and dead peers noticed by TCP
        hikari.addDataSourceProperty("ApplicationName", "mailfetch");
        hikari.addDataSourceProperty("tcpKeepAlive", "true");
        try {
            return new HikariDataSource(hikari);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StoreException("cannot open the database, " + config.describe() + ": " + cause.getMessage(), e);
        }
    }

    /**
     * mailfetch deletes mail on a server once its ledger row is committed: that commit must survive a
     * crash of the database server when it returns. PostgreSQL's defaults do that; a server (or role or
     * database) set to fsync=off or synchronous_commit=off would lose recent commits, so it is refused.
     */
    static void requireDurableCommits(HikariDataSource pool, DatabaseConfig config) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            if ("off".equals(rs.getString(1))) {
                throw new StoreException(config.describe() + " runs with fsync=off: a commit would not survive a crash,"
                        + " and mailfetch deletes mail on the servers once its commit returns; set fsync=on");
            }
            if ("off".equals(rs.getString(2))) {
                throw new StoreException(config.describe() + " has synchronous_commit=off: a commit would not be durable"
                        + " when it returns, and mailfetch deletes mail on the servers once it returns; set it on"
                        + " (ALTER ROLE ... RESET synchronous_commit, or in postgresql.conf)");
            }
        } catch (SQLException e) {
            throw new StoreException("cannot open the database, " + config.describe() + ": " + e.getMessage(), e);
        }
    }
}
