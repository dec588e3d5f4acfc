package org.mailfetch.service;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import org.mailfetch.store.Database;

/**
 * The password of the web/REST user {@code admin}, stored as a salted PBKDF2-HMAC-SHA256 hash in
 * the admin_user table: {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>}. The
 * iteration count is part of the stored text, so it can be raised later without breaking old hashes.
 */
public final class AdminPassword {

    public static final String USER = "admin";
    public static final int ITERATIONS = 310_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final String PREFIX = "pbkdf2-sha256";

    private final Database db;

    public AdminPassword(Database db) {
        this.db = db;
    }

    /** Stores the hash of a new password for {@code admin}, replacing any earlier one. */
    public void set(String password) {
        if (password == null || password.length() < 8) {
            throw new IllegalArgumentException("the admin password must have at least 8 characters");
        }
        String hash = hash(password);
        Instant now = Instant.now();
        if (db.update("UPDATE admin_user SET password_hash = ?, updated_at = ? WHERE name = ?", hash, now, USER) == 0) {
            db.update("INSERT INTO admin_user (name, password_hash, updated_at) VALUES (?, ?, ?)", USER, hash, now);
        }
    }

    /** The stored hash text, if a password has been set. */
    public Optional<String> storedHash() {
        return db.query("SELECT password_hash FROM admin_user WHERE name = ?", rs -> rs.getString(1), USER)
                .stream().findFirst();
    }

    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + "$" + ITERATIONS + "$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(pbkdf2(password, salt, ITERATIONS));
    }

    /** Whether the password matches the stored hash text; compares in constant time. */
    public static boolean matches(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return false;
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] expected = b64.decode(parts[3]);
        byte[] actual = pbkdf2(password, b64.decode(parts[2]), Integer.parseInt(parts[1]));
        return MessageDigest.isEqual(expected, actual);
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available: " + e.getMessage(), e);
        } finally {
            spec.clearPassword();
        }
    }
}
