package org.mailfetch.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The embedded H2 database under the data dir, migrated by Flyway on open.
 * AUTO_SERVER lets the CLI and the running service share the file; WRITE_DELAY=0 makes a commit
 * durable when it returns, which the data-safety contract relies on.
 */
public final class Database implements AutoCloseable {

    static {
        // H2's AUTO_SERVER listens on a TCP port for the second process: keep it on loopback.
        System.setProperty("h2.bindAddress", "127.0.0.1");
    }

    private final JdbcConnectionPool pool;

    private Database(JdbcConnectionPool pool) {
        this.pool = pool;
    }

    public static Database open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create data dir " + dataDir + ": " + e.getMessage(), e);
        }
        String url = "jdbc:h2:file:" + dataDir.resolve("mailfetch").toAbsolutePath()
                + ";AUTO_SERVER=TRUE;WRITE_DELAY=0;LOCK_TIMEOUT=10000";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "mailfetch", "");
        pool.setMaxConnections(64);
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        return new Database(pool);
    }

    public DataSource dataSource() {
        return pool;
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** The next id from the shared sequence. */
    public long nextId(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery("SELECT NEXT VALUE FOR id_seq")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Reads one row of a result set. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Runs one INSERT/UPDATE/DELETE in its own transaction; returns the rows changed. */
    public int update(String sql, Object... args) {
        try (Connection c = connection(); PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
        try (Connection c = connection(); PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
            return out;
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    public static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i] instanceof java.time.Instant t ? java.sql.Timestamp.from(t) : args[i]);
        }
        return ps;
    }

    private static StoreException translate(SQLException e) {
        // 23505: unique violation, the same SQLSTATE in H2 and PostgreSQL
        return "23505".equals(e.getSQLState())
                ? new StoreException.Duplicate(e.getMessage(), e)
                : new StoreException(e.getMessage(), e);
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
