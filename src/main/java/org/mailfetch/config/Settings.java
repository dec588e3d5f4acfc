package org.mailfetch.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The merged configuration: the jar's application.properties, then ./application.properties, then
 * --config FILE, then -Dkey=value system properties, each overriding key by key.
 */
public final class Settings {

    public static final String DATA_DIR = "mailfetch.data-dir";
    /** The Maildir++ tree, {@code <root>/<domain>/<local-part>/}; default {@code <data-dir>/mailboxes}. */
    public static final String MAILDIR_ROOT = "mailfetch.maildir.root";
    /** Where queued mail lives: {@code outbox/} and {@code quarantine/}; default the data dir. */
    public static final String SPOOL_ROOT = "mailfetch.spool.root";
    /** A JDBC URL of a database shared by several nodes; unset: the embedded H2 under the data dir. */
    public static final String DB_URL = "mailfetch.db.url";

    private final Properties properties;

    private Settings(Properties properties) {
        this.properties = properties;
    }

    public static Settings load(Path configFile, Path dataDirOverride) {
        Properties merged = new Properties();
        try (InputStream in = Settings.class.getResourceAsStream("/application.properties")) {
            if (in == null) {
                throw new IllegalStateException("application.properties is missing from the jar");
            }
            merged.load(in);
            Path local = Path.of("application.properties");
            if (Files.isRegularFile(local)) {
                TrustedFiles.check(local);
                loadFile(merged, local);
            }
            if (configFile != null) {
                if (!Files.isRegularFile(configFile)) {
                    throw new IllegalArgumentException("--config " + configFile + ": no such file");
                }
                loadFile(merged, configFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read configuration: " + e.getMessage(), e);
        }
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("mailfetch.") || k.startsWith("camel."))
                .forEach(k -> merged.setProperty(k, System.getProperty(k)));
        if (dataDirOverride != null) {
            merged.setProperty(DATA_DIR, dataDirOverride.toString());
        }
        return new Settings(merged);
    }

    /** For tests and embedded use: the jar defaults with some keys replaced. */
    public static Settings of(Properties overrides) {
        Settings defaults = load(null, null);
        defaults.properties.putAll(overrides);
        return defaults;
    }

    private static void loadFile(Properties into, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            into.load(in);
        }
    }

    public Properties asProperties() {
        Properties copy = new Properties();
        copy.putAll(properties);
        return copy;
    }

    public Path dataDir() {
        return Path.of(string(DATA_DIR)).toAbsolutePath().normalize();
    }

    /** {@value #MAILDIR_ROOT}, or {@code <data-dir>/mailboxes} when it is not set. */
    public Path maildirRoot() {
        return optional(MAILDIR_ROOT).map(v -> Path.of(v).toAbsolutePath().normalize())
                .orElseGet(() -> dataDir().resolve("mailboxes"));
    }

    /** {@value #SPOOL_ROOT} (holding outbox/ and quarantine/), or the data dir when it is not set. */
    public Path spoolRoot() {
        return optional(SPOOL_ROOT).map(v -> Path.of(v).toAbsolutePath().normalize()).orElseGet(this::dataDir);
    }

    public String string(String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("configuration key " + key + " is not set");
        }
        return value.trim();
    }

    public java.util.Optional<String> optional(String key) {
        String value = properties.getProperty(key);
        return value == null || value.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(value.trim());
    }

    public int integer(String key) {
        try {
            return Integer.parseInt(string(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key " + key + " must be a whole number, got '"
                    + properties.getProperty(key) + "'");
        }
    }

    /** Durations are written like 30s, 2m, 500ms, 6h or ISO-8601 (PT30S). */
    public Duration duration(String key) {
        String v = string(key).toLowerCase();
        try {
            if (v.startsWith("pt") || v.startsWith("p")) {
                return Duration.parse(v.toUpperCase());
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("configuration key " + key + " must be a duration like 30s or 2m, got '"
                    + properties.getProperty(key) + "'");
        }
    }

    /** Sizes are written like 1GiB, 512MiB, 64KiB or plain bytes. */
    public long bytes(String key) {
        String v = string(key);
        try {
            return parseBytes(v);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("configuration key " + key + " must be a size like 1GiB or 512MiB, got '"
                    + v + "'");
        }
    }

    /** A size like 1GiB, 512MiB, 64KiB or plain bytes; NumberFormatException otherwise (also on overflow). */
    public static long parseBytes(String text) {
        String v = text.trim();
        String[][] units = {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}};
        for (String[] unit : units) {
            if (v.endsWith(unit[0])) {
                return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - unit[0].length()).trim()),
                        Long.parseLong(unit[1]));
            }
        }
        return Long.parseLong(v);
    }
}
