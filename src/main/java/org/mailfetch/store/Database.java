package org.mailfetch.store;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.h2.api.ErrorCode;
import org.h2.jdbcx.JdbcConnectionPool;
import org.mailfetch.config.Settings;
import org.slf4j.LoggerFactory;

/**
 * The database, migrated by Flyway on open: the embedded H2 under the data dir (the default), or the
 * PostgreSQL that {@link DatabaseConfig#URL} names (several nodes share it). One schema design for
 * both: the migrations in {@code db/migration} run on both, those in {@code db/vendor/<vendor>} only on
 * that one ({@code h2} or {@code postgresql}, Flyway's names; see {@link #LOCATIONS}).
 *
 * <p>H2: AUTO_SERVER lets the CLI and the running service share the file; WRITE_DELAY=0 makes a commit
 * durable when it returns, which the data-safety contract relies on. AUTO_SERVER's port is open to
 * every local user: the random password in {@code mailfetch.db-password} (0600, in the 0700 data dir,
 * see {@link DataDir}) is what keeps them out, and with it H2's admin powers (CREATE ALIAS runs Java).
 *
 * <p>PostgreSQL: a bounded HikariCP pool; a commit is durable on return with the server's defaults
 * (fsync and synchronous_commit on), and a server where either is off is refused at open.
 */
public final class Database implements AutoCloseable {

    static {
        // H2's AUTO_SERVER listens on a TCP port for the second process: keep it on loopback.
        System.setProperty("h2.bindAddress", "127.0.0.1");
    }

    /**
     * Where Flyway looks: {@code db/migration} (run on every database: portable SQL, and Java
     * migrations in the package {@code db.migration}), then {@code db/vendor/<vendor>} for what differs.
     * The vendor folders are siblings, not children, of {@code db/migration} because Flyway scans a
     * location with its subfolders. Versions are one sequence across all of them: a vendor-specific
     * migration takes a version no common one uses (or, to replace a common one on one database,
     * that database's folder holds the same version and the common one moves to the other vendor's).
     */
    static final String COMMON_LOCATION = "classpath:db/migration";
    static final String VENDOR_LOCATION = "classpath:db/vendor/";

    private static final String NAME = "mailfetch";
    private static final String USER = "mailfetch";

    private final DataSource dataSource;
    private final AutoCloseable pool;
    private final String nextIdSql;
    /** Known at open: PostgreSQL (shared by nodes) or the embedded H2. */
    private final boolean postgres;
    private volatile boolean closed;

    private Database(DataSource dataSource, AutoCloseable pool, String nextIdSql, boolean postgres) {
        this.postgres = postgres;
        this.dataSource = dataSource;
        this.pool = pool;
        this.nextIdSql = nextIdSql;
    }

    /** The database the settings name ({@link DatabaseConfig}); the data dir is secured either way. */
    public static Database open(Settings settings) {
        DatabaseConfig config = DatabaseConfig.from(settings);
        return config.embedded() ? open(settings.dataDir()) : openPostgres(settings.dataDir(), config);
    }

    /** The embedded H2 database under {@code dataDir}. */
    public static Database open(Path dataDir) {
        DataDir.secure(dataDir);
        String password;
        try {
            password = DbPassword.readOrCreate(dataDir);
            DataDir.createDatabaseFiles(dataDir, NAME);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the database password or files in " + dataDir + ": "
                    + e.getMessage(), e);
        }
        String url = "jdbc:h2:file:" + dataDir.resolve(NAME).toAbsolutePath()
                + ";AUTO_SERVER=TRUE;WRITE_DELAY=0;LOCK_TIMEOUT=10000";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, USER, password);
        try {
            setPasswordOfOlderDatabase(pool, url, password, dataDir);
            pool.setMaxConnections(64);
            migrate(pool, "h2");
            DataDir.tightenDatabaseFiles(dataDir, NAME);
        } catch (RuntimeException e) {
            pool.dispose();
            throw e;
        }
        return new Database(pool, pool::dispose, "SELECT NEXT VALUE FOR id_seq", false);
    }

    /** The PostgreSQL database of {@code config}; {@code dataDir} still holds the key, spool and mailboxes. */
    static Database openPostgres(Path dataDir, DatabaseConfig config) {
        DataDir.secure(dataDir);
        HikariDataSource pool = PostgresPool.open(config);
        try {
            PostgresPool.requireDurableCommits(pool, config);
            migrate(pool, "postgresql");
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        LoggerFactory.getLogger(Database.class).info("database: {} (at most {} connections)", config.describe(),
                config.poolSize());
        return new Database(pool, pool, "SELECT nextval('id_seq')", true);
    }

    private static void migrate(DataSource dataSource, String vendor) {
        Flyway.configure().dataSource(dataSource).locations(COMMON_LOCATION, VENDOR_LOCATION + vendor)
                .javaMigrations(new QuartzTables()).load().migrate();
    }

    /**
     * A database made before the password existed has the empty one: log in with that once and set the
     * password from the file (written durably before). Crash-safe either way round: until ALTER USER
     * commits, the empty password still works and the next start does it again.
     */
    private static void setPasswordOfOlderDatabase(JdbcConnectionPool pool, String url, String password, Path dataDir) {
        try (Connection c = pool.getConnection()) {
            return; // the usual case: the password is set already (or the database was just created with it)
        } catch (SQLException e) {
            if (e.getErrorCode() != ErrorCode.WRONG_USER_OR_PASSWORD) {
                throw new StoreException("cannot open the database in " + dataDir + ": " + e.getMessage(), e);
            }
        }
        try (Connection c = java.sql.DriverManager.getConnection(url, USER, "");
             PreparedStatement ps = c.prepareStatement("ALTER USER " + USER + " SET PASSWORD ?")) {
            ps.setString(1, password);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot open the database in " + dataDir + ": the password in "
                    + dataDir.resolve(DbPassword.FILE) + " is refused (" + e.getMessage() + ");"
                    + " restore the file that belongs to this database", e);
        }
        LoggerFactory.getLogger(Database.class).info("database {}: the empty password of older versions is replaced"
                + " by the one in {}", dataDir.resolve(NAME), dataDir.resolve(DbPassword.FILE));
    }

    /** Whether this is PostgreSQL (else the embedded H2), without asking the driver each time. */
    public boolean postgres() {
        return postgres;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** A pooled connection; once the database is closed (the pool disposed), a {@link StoreException}. */
    public Connection connection() throws SQLException {
        if (closed) {
            throw new StoreException("the database is closed");
        }
        try {
            return dataSource.getConnection();
        } catch (IllegalStateException disposed) {
            throw new StoreException("the database is closed: " + disposed.getMessage(), disposed);
        }
    }

    /** The next id from the shared sequence. */
    public long nextId(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery(nextIdSql)) {
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

    /**
     * A TIMESTAMP WITH TIME ZONE column as an Instant (null for NULL). Through OffsetDateTime, which both
     * drivers read directly: PostgreSQL's has no Instant conversion.
     */
    public static java.time.Instant instant(ResultSet rs, int column) throws SQLException {
        java.time.OffsetDateTime t = rs.getObject(column, java.time.OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    public static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i] instanceof java.time.Instant t ? java.sql.Timestamp.from(t) : args[i]);
        }
        return ps;
    }

    /**
     * A key that exists already (23505) or a reference to a row that is missing or still referred to
     * (23503; H2 also says 23506 for a missing referenced row) is a {@link Conflict} with the stored data (the same SQLSTATEs in H2 and PostgreSQL);
     * callers that know what was meant rethrow it with a message in mail-admin terms. Anything else
     * is the database failing.
     */
    private static RuntimeException translate(SQLException e) {
        return switch (String.valueOf(e.getSQLState())) {
            case "23505" -> new Conflict("an entry with the same key exists already", e);
            case "23503", "23506" -> new Conflict("the entry refers to one that is missing, or is still referred to", e);
            default -> new StoreException(e.getMessage(), e);
        };
    }

    @Override
    public void close() {
        closed = true;
        try {
            pool.close();
        } catch (Exception e) {
            throw new StoreException("cannot close the database: " + e.getMessage(), e);
        }
    }
}
