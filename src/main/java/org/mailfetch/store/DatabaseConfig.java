package org.mailfetch.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.mailfetch.config.Settings;
import org.slf4j.LoggerFactory;

/**
 * Which database a process opens: the embedded H2 under the data dir (no {@value #URL}, the default),
 * or the PostgreSQL that {@value #URL} names. The PostgreSQL password never comes from the properties
 * (a file others may read, often kept in version control): only from the environment variable
 * {@value #PASSWORD_ENV} or a private file named by {@value #PASSWORD_FILE}. A URL or key that would
 * carry one is refused rather than used, so it is also never logged; {@link #toString()} shows no
 * password and no URL parameters.
 */
public final class DatabaseConfig {

    public static final String URL = "mailfetch.db.url";
    public static final String PASSWORD_FILE = "mailfetch.db.password-file";
    public static final String POOL_SIZE = "mailfetch.db.pool-size";
    public static final String PASSWORD_ENV = "MAILFETCH_DB_PASSWORD";
    /** Refused: named so that the refusal can say where the password goes instead. */
    static final String PASSWORD_KEY = "mailfetch.db.password";

    private static final String POSTGRES_PREFIX = "jdbc:postgresql:";
    private static final int DEFAULT_POOL_SIZE = 20;
    private static final long MAX_PASSWORD_FILE = 4096;
    private static final Set<Set<PosixFilePermission>> PRIVATE_MODES = Set.of(
            PosixFilePermissions.fromString("rw-------"), PosixFilePermissions.fromString("r--------"));

    private final String url;
    private final String password;
    private final int poolSize;

    private DatabaseConfig(String url, String password, int poolSize) {
        this.url = url;
        this.password = password;
        this.poolSize = poolSize;
    }

    /** From the settings and the process environment. */
    public static DatabaseConfig from(Settings settings) {
        return from(settings, System.getenv());
    }

    /**
     * From the settings and {@code env}.
     *
     * @throws IllegalArgumentException naming the key (or variable) that is wrong and how to fix it
     */
    public static DatabaseConfig from(Settings settings, Map<String, String> env) {
        if (settings.asProperties().containsKey(PASSWORD_KEY)) {
            throw new IllegalArgumentException("configuration key " + PASSWORD_KEY + " is refused: a database password"
                    + " does not belong in a properties file; remove the key and set the environment variable "
                    + PASSWORD_ENV + " or " + PASSWORD_FILE + " (a file of mode 0600 or 0400)");
        }
        String envPassword = env.get(PASSWORD_ENV);
        boolean hasEnv = envPassword != null && !envPassword.isEmpty();
        var passwordFile = settings.optional(PASSWORD_FILE);
        var url = settings.optional(URL);
        if (url.isEmpty()) {
            if (passwordFile.isPresent()) {
                throw new IllegalArgumentException("configuration key " + PASSWORD_FILE + " is set but " + URL
                        + " is not: the embedded H2 database keeps its own password in the data dir; set " + URL
                        + " to use PostgreSQL, or remove " + PASSWORD_FILE);
            }
            if (hasEnv) {
                LoggerFactory.getLogger(DatabaseConfig.class).warn("{} is set but {} is not: the embedded H2 database"
                        + " under the data dir is used and the variable is ignored", PASSWORD_ENV, URL);
            }
            return new DatabaseConfig(null, null, 0);
        }
        String checkedUrl = checkUrl(url.get());
        if (hasEnv && passwordFile.isPresent()) {
            throw new IllegalArgumentException("the database password is given twice, by the environment variable "
                    + PASSWORD_ENV + " and by " + PASSWORD_FILE + ": keep one");
        }
        String password = passwordFile.isPresent() ? readPasswordFile(Path.of(passwordFile.get()))
                : hasEnv ? envPassword : null;
        return new DatabaseConfig(checkedUrl, password, poolSize(settings));
    }

    private static String checkUrl(String url) {
        if (!url.startsWith(POSTGRES_PREFIX)) {
            throw new IllegalArgumentException("configuration key " + URL + " must be a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://db.example:5432/mailfetch?user=mailfetch (leave it empty for the embedded H2"
                    + " database), got one starting " + printable(url.substring(0, Math.min(url.length(), 16))));
        }
        if (url.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new IllegalArgumentException("configuration key " + URL + " holds a control character");
        }
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        if (base.contains("@")) {
            throw new IllegalArgumentException("configuration key " + URL + ": user or password before '@' is refused;"
                    + " give the user as ?user=NAME and the password by " + PASSWORD_ENV + " or " + PASSWORD_FILE);
        }
        if (query >= 0) {
            for (String parameter : url.substring(query + 1).split("&")) {
                String name = parameter.split("=", 2)[0].toLowerCase(Locale.ROOT);
                if (name.contains("password")) {
                    throw new IllegalArgumentException("configuration key " + URL + ": the parameter " + printable(name)
                            + " is refused, a password does not belong in the properties; set the environment variable "
                            + PASSWORD_ENV + " or " + PASSWORD_FILE + " (a file of mode 0600 or 0400) instead");
                }
            }
        }
        return url;
    }

    /** The password file: a regular file only its owner may read, at most 4 KiB; its first line is the password. */
    static String readPasswordFile(Path file) {
        String where = "configuration key " + PASSWORD_FILE + " (" + file.toAbsolutePath() + ")";
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(where + ": no such regular file");
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (!PRIVATE_MODES.contains(mode)) {
                throw new IllegalArgumentException(where + ": mode " + PosixFilePermissions.toString(mode)
                        + " is refused, the password file must be readable by its owner only (chmod 600 "
                        + file.toAbsolutePath() + ")");
            }
            if (Files.size(file) > MAX_PASSWORD_FILE) {
                throw new IllegalArgumentException(where + ": larger than " + MAX_PASSWORD_FILE
                        + " bytes, not a password file");
            }
            String password = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            if (password.isEmpty()) {
                throw new IllegalArgumentException(where + ": the file is empty, its first line must be the password");
            }
            return password;
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    private static int poolSize(Settings settings) {
        if (settings.optional(POOL_SIZE).isEmpty()) {
            return DEFAULT_POOL_SIZE;
        }
        int size = settings.integer(POOL_SIZE);
        if (size < 2 || size > 1000) {
            throw new IllegalArgumentException("configuration key " + POOL_SIZE + " must be between 2 and 1000, got "
                    + size);
        }
        return size;
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** True for the embedded H2 database (no {@value #URL}). */
    public boolean embedded() {
        return url == null;
    }

    /** The PostgreSQL JDBC URL (never holds a password); null when embedded. */
    String url() {
        return url;
    }

    /** The PostgreSQL password, or null to let the driver go without (trust, peer, .pgpass). */
    String password() {
        return password;
    }

    /** The most connections the PostgreSQL pool opens. */
    int poolSize() {
        return poolSize;
    }

    /** The URL without its parameters, for logs and messages. */
    public String describe() {
        if (embedded()) {
            return "the embedded H2 database";
        }
        int query = url.indexOf('?');
        return "PostgreSQL at " + (query < 0 ? url : url.substring(0, query));
    }

    @Override
    public String toString() {
        return describe();
    }
}
