package org.mailfetch.account;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;

import org.mailfetch.store.Database;

/**
 * The sign-in half of the oauth2_account table: an account's {@link OAuth2Options} and its client
 * secret (encrypted). The token half belongs to {@code oauth2.TokenStore}. Writes happen in
 * AccountStore's transactions, so that an account never has both a password and OAuth2.
 */
public final class OAuth2OptionsStore {

    /** State of a row whose tokens are missing: the owner has to sign in. */
    public static final String UNAUTHORIZED = "unauthorized";

    private final Database db;
    private final PasswordCipher cipher;

    public OAuth2OptionsStore(Database db, PasswordCipher cipher) {
        this.db = db;
        this.cipher = cipher;
    }

    /** The account's OAuth2 options, or empty for a password account. */
    public Optional<OAuth2Options> get(long accountId) {
        return db.query("SELECT provider, client_id, scope, tenant FROM oauth2_account WHERE account_id = ?",
                OAuth2OptionsStore::read, accountId).stream().findFirst();
    }

    /** The account's own client secret, decrypted for a token request; empty when it has none. Never log it. */
    public Optional<String> clientSecret(long accountId) {
        return db.query("SELECT client_secret_enc FROM oauth2_account WHERE account_id = ?", rs -> rs.getString(1),
                        accountId).stream().filter(Objects::nonNull).findFirst().map(cipher::decrypt);
    }

    private static OAuth2Options read(ResultSet rs) throws SQLException {
        return new OAuth2Options(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
    }

    /**
     * Writes the options within the caller's transaction. {@code secret}: null keeps the stored one,
     * empty removes it. {@code dropTokens}: the tokens were given for something else (another provider,
     * client, scope or server) and must not be used any more: the owner signs in again.
     */
    void write(Connection c, long accountId, OAuth2Options options, String secret, boolean dropTokens)
            throws SQLException {
        boolean exists;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM oauth2_account WHERE account_id = ?")) {
            ps.setLong(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        if (!exists) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO oauth2_account (account_id, provider, state)"
                    + " VALUES (?, ?, ?)")) {
                ps.setLong(1, accountId);
                ps.setString(2, options.provider());
                ps.setString(3, UNAUTHORIZED);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE oauth2_account SET provider = ?, client_id = ?, scope = ?,"
                + " tenant = ? WHERE account_id = ?")) {
            ps.setString(1, options.provider());
            ps.setString(2, options.clientId());
            ps.setString(3, options.scope());
            ps.setString(4, options.tenant());
            ps.setLong(5, accountId);
            ps.executeUpdate();
        }
        if (secret != null) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE oauth2_account SET client_secret_enc = ? WHERE account_id = ?")) {
                ps.setString(1, secret.isEmpty() ? null : cipher.encrypt(secret));
                ps.setLong(2, accountId);
                ps.executeUpdate();
            }
        }
        if (dropTokens) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE oauth2_account SET state = ?, state_note = NULL,"
                    + " refresh_token_enc = NULL, access_token_enc = NULL, access_obtained_at = NULL,"
                    + " access_expires_at = NULL, authorized_at = NULL, notice_sent_at = NULL,"
                    + " grant_version = grant_version + 1 WHERE account_id = ?")) {
                ps.setString(1, UNAUTHORIZED);
                ps.setLong(2, accountId);
                ps.executeUpdate();
            }
        }
    }

    /** Removes the account's OAuth2 row (it goes back to a password) within the caller's transaction. */
    static void remove(Connection c, long accountId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM oauth2_account WHERE account_id = ?")) {
            ps.setLong(1, accountId);
            ps.executeUpdate();
        }
    }

    /** Whether the account signs in with OAuth2, within the caller's transaction. */
    static boolean has(Connection c, long accountId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM oauth2_account WHERE account_id = ?")) {
            ps.setLong(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
