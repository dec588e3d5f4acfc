package org.mailfetch.oauth2;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import org.mailfetch.account.PasswordCipher;
import org.mailfetch.store.Database;

/**
 * The token half of the oauth2_account table (the sign-in options are {@code account.OAuth2OptionsStore}'s):
 * the grant's state and the tokens, encrypted like passwords. Changes of state are single
 * conditional UPDATEs, so that of two processes (the service and a CLI fetch) seeing a refresh token
 * refused at once, exactly one moves the account to needs-authorization and sends the notice.
 */
public final class TokenStore {

    public static final String AUTHORIZED = "authorized";
    public static final String NEEDS_AUTHORIZATION = "needs-authorization";

    /** One account's grant. Tokens are decrypted; never log them ({@link #toString()} does not show them). */
    public record Grant(long accountId, String state, String note, String refreshToken, String accessToken,
                        Instant obtainedAt, Instant expiresAt, Instant authorizedAt, Instant noticeSentAt, long version) {
        @Override
        public String toString() {
            return "Grant[" + accountId + ", " + state + "]";
        }
    }

    private final Database db;
    private final PasswordCipher cipher;

    public TokenStore(Database db, PasswordCipher cipher) {
        this.db = db;
        this.cipher = cipher;
    }

    /** The account's grant, or empty when it is not an OAuth2 account. */
    public Optional<Grant> get(long accountId) {
        return db.query("SELECT state, state_note, refresh_token_enc, access_token_enc, access_obtained_at,"
                + " access_expires_at, authorized_at, notice_sent_at, grant_version FROM oauth2_account WHERE account_id = ?", rs -> read(accountId, rs),
                accountId).stream().findFirst();
    }

    private Grant read(long accountId, ResultSet rs) throws SQLException {
        return new Grant(accountId, rs.getString(1), rs.getString(2), decrypt(rs.getString(3)), decrypt(rs.getString(4)),
                instant(rs, 5), instant(rs, 6), instant(rs, 7), instant(rs, 8), rs.getLong(9));
    }

    /** A sign-in succeeded: the account is authorized with these tokens, and may be told again when they fail. */
    void authorized(long accountId, Tokens t, Instant now) {
        db.update("UPDATE oauth2_account SET state = ?, state_note = NULL, refresh_token_enc = ?, access_token_enc = ?,"
                        + " access_obtained_at = ?, access_expires_at = ?, authorized_at = ?, notice_sent_at = NULL,"
                        + " grant_version = grant_version + 1 WHERE account_id = ?", AUTHORIZED, cipher.encrypt(t.refreshToken()),
                cipher.encrypt(t.accessToken()), Timestamp.from(now), Timestamp.from(now.plus(t.lifetime())),
                Timestamp.from(now), accountId);
    }

    /**
     * A refresh of {@code used} gave a new access token (and maybe a new refresh token: providers that
     * rotate them invalidate the old one). Applies only if the grant is still the one read: a sign-in,
     * a change or another process's refresh in between wins. Returns whether it applied.
     */
    boolean refreshed(Grant used, Tokens t, Instant now) {
        String refresh = t.refreshToken() == null ? used.refreshToken() : t.refreshToken();
        return db.update("UPDATE oauth2_account SET refresh_token_enc = ?, access_token_enc = ?, access_obtained_at = ?,"
                        + " access_expires_at = ?, grant_version = grant_version + 1"
                        + " WHERE account_id = ? AND state = ? AND grant_version = ?", cipher.encrypt(refresh),
                cipher.encrypt(t.accessToken()), Timestamp.from(now), Timestamp.from(now.plus(t.lifetime())),
                used.accountId(), AUTHORIZED, used.version()) == 1;
    }

    /**
     * The provider refused the refresh token of {@code refused}: the account needs its owner to sign in
     * again. Returns whether this call made the change (false: the grant changed since it was read —
     * another process got there first, or someone signed in anew) — only the caller that made it
     * sends the owner a notice.
     */
    boolean lost(Grant refused, String note) {
        return db.update("UPDATE oauth2_account SET state = ?, state_note = ?, refresh_token_enc = NULL,"
                + " access_token_enc = NULL, access_obtained_at = NULL, access_expires_at = NULL,"
                + " grant_version = grant_version + 1 WHERE account_id = ? AND state = ? AND grant_version = ?",
                NEEDS_AUTHORIZATION, note, refused.accountId(), AUTHORIZED, refused.version()) == 1;
    }

    /** Records that the owner was told the grant is gone (once per loss; a sign-in clears it). */
    boolean noticeSent(long accountId, Instant now) {
        return db.update("UPDATE oauth2_account SET notice_sent_at = ? WHERE account_id = ? AND notice_sent_at IS NULL",
                Timestamp.from(now), accountId) == 1;
    }

    /** How many accounts wait for their owner to sign in again (a gauge). */
    public int needingAuthorization() {
        return db.query("SELECT COUNT(*) FROM oauth2_account WHERE state = ?", rs -> rs.getInt(1), NEEDS_AUTHORIZATION)
                .get(0);
    }

    private String decrypt(String stored) {
        return stored == null ? null : cipher.decrypt(stored);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
