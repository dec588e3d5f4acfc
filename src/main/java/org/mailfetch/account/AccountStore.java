package org.mailfetch.account;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.mailfetch.store.InvalidValue;
import org.mailfetch.store.Database;
import org.mailfetch.store.NotFound;
import org.mailfetch.store.StoreException;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;

/** The external_account table. Passwords go in encrypted and come out only through {@link #password}. */
public final class AccountStore {

    private static final String COLUMNS = "id, name, enabled, protocol, host, port, security, user_name, trust_cert_pem,"
            + " interval_minutes, mime_recipients, recipient_headers, envelope_headers, route_recipients,"
            + " received_date, antispam, antivirus, delete_mode, delete_after_days, owner_address, created_at";

    private final Database db;
    private final PasswordCipher cipher;
    private final OAuth2OptionsStore oauth2;

    public AccountStore(Database db, PasswordCipher cipher) {
        this.db = db;
        this.cipher = cipher;
        this.oauth2 = new OAuth2OptionsStore(db, cipher);
    }

    /** How the OAuth2 accounts sign in (empty for password accounts). */
    public OAuth2OptionsStore oauth2() {
        return oauth2;
    }

    /** Inserts the account with a new id (the given one is ignored) and returns it. */
    public Account add(Account a, String password) {
        return add(a, password, null);
    }

    /**
     * Inserts the account with a new id and, for an IMAP account, its options, in one transaction;
     * {@code imap} null leaves the account without options of its own ({@link ImapOptions#DEFAULT}).
     */
    public Account add(Account a, String password, ImapOptions imap) {
        return add(a, java.util.Objects.requireNonNull(password, "password"), null, null, imap);
    }

    /**
     * Inserts an account that signs in with OAuth2 (no password): it is unauthorized until its owner
     * signs in. {@code clientSecret} may be null (a public client, or the provider's from the properties).
     */
    public Account addOAuth2(Account a, OAuth2Options options, String clientSecret, ImapOptions imap) {
        return add(a, null, java.util.Objects.requireNonNull(options, "options"), clientSecret, imap);
    }

    private Account add(Account a, String password, OAuth2Options options, String clientSecret, ImapOptions imap) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            long id = db.nextId(c);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO external_account (" + COLUMNS
                    + ", password_enc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                bind(ps, a, id);
                ps.setString(22, password == null ? null : cipher.encrypt(password));
                ps.executeUpdate();
            }
            if (options != null) {
                oauth2.write(c, id, options, clientSecret == null ? "" : clientSecret, true);
            }
            if (imap != null) {
                ImapOptionsStore.write(c, id, imap);
            }
            c.commit();
            return get(id).orElseThrow();
        } catch (SQLException e) {
            throw new StoreException("cannot add account: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces every option of the account; a null password keeps the stored one. Changing host or
     * user name makes it another mailbox, so its UIDL ledger is cleared.
     */
    public Account update(Account a, String passwordOrNull) {
        return update(a, passwordOrNull, false, null);
    }

    /**
     * {@link #update(Account, String)} that also replaces the account's IMAP options in the same
     * transaction: {@code imap} null drops them (an account back on POP3 has none).
     */
    public Account update(Account a, String passwordOrNull, ImapOptions imap) {
        return update(a, passwordOrNull, true, imap);
    }

    /**
     * Makes the account (or keeps it) an OAuth2 account with these options, dropping its password,
     * and replaces its IMAP options like {@link #update(Account, String, ImapOptions)}. {@code secretChange}:
     * null keeps the stored client secret, empty removes it. The tokens are dropped (the owner signs in
     * again) when the account had a password, or when the provider, client id, scope, tenant or the
     * server the tokens go to (host, port, security, trusted certificate, user) change; a new client
     * secret alone keeps them (the grant belongs to the client id).
     */
    public Account updateOAuth2(Account a, OAuth2Options options, String secretChange, ImapOptions imap) {
        Account before = get(a.id()).orElseThrow(() -> new NotFound("no account " + a.id()));
        Optional<OAuth2Options> was = oauth2.get(a.id());
        if (secretChange == null && was.isPresent() && (!was.get().provider().equals(options.provider())
                || !java.util.Objects.equals(was.get().clientId(), options.clientId()))) {
            secretChange = ""; // a client secret belongs to its client at its provider: never send it to another
        }
        boolean dropTokens = was.isEmpty() || !was.get().equals(options) || sendsPasswordElsewhere(before, a)
                || !before.protocol().equals(a.protocol())
                || !before.userName().equals(a.userName());
        return write(a, before, null, options, secretChange, dropTokens, true, imap);
    }

    private Account update(Account a, String passwordOrNull, boolean setImap, ImapOptions imap) {
        Account before = get(a.id()).orElseThrow(() -> new NotFound("no account " + a.id()));
        if (passwordOrNull == null && oauth2.get(a.id()).isPresent()) {
            // an OAuth2 account changed in other ways: its tokens stay only if they go where they went
            OAuth2Options kept = oauth2.get(a.id()).get();
            boolean dropTokens = sendsPasswordElsewhere(before, a) || !before.userName().equals(a.userName())
                    || !before.protocol().equals(a.protocol()); // the default scope is per protocol
            return write(a, before, null, kept, null, dropTokens, setImap, imap);
        }
        if (passwordOrNull == null && sendsPasswordElsewhere(before, a)) {
            // Passwords are write-only: pointing an account at another server (or dropping TLS) must
            // not be a way to have the stored password sent to whoever listens there.
            throw new InvalidValue("password", "give the password again when host, port, security or trusted"
                    + " certificate change: the stored one is only sent where it was set for");
        }
        return write(a, before, passwordOrNull, null, null, false, setImap, imap);
    }

    /** One transaction: the account's columns, then a password or OAuth2 options (never both), IMAP options, ledger. */
    private Account write(Account a, Account before, String passwordOrNull, OAuth2Options options, String secretChange,
                          boolean dropTokens, boolean setImap, ImapOptions imap) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE external_account SET "
                    + Arrays.stream(COLUMNS.split(",\\s*")).skip(1).map(col -> col + " = ?")
                            .reduce((x, y) -> x + ", " + y).orElseThrow()
                    + " WHERE id = ?")) {
                Object[] values = values(a);
                for (int i = 1; i < values.length; i++) {
                    ps.setObject(i, values[i]);
                }
                ps.setLong(values.length, a.id());
                ps.executeUpdate();
            }
            if (passwordOrNull != null || options != null) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE external_account SET password_enc = ? WHERE id = ?")) {
                    ps.setString(1, passwordOrNull == null ? null : cipher.encrypt(passwordOrNull));
                    ps.setLong(2, a.id());
                    ps.executeUpdate();
                }
            }
            if (options != null) {
                oauth2.write(c, a.id(), options, secretChange, dropTokens);
            } else if (passwordOrNull != null) {
                OAuth2OptionsStore.remove(c, a.id());
            }
            if (setImap && imap != null) {
                ImapOptionsStore.write(c, a.id(), imap);
            } else if (setImap) {
                ImapOptionsStore.remove(c, a.id());
            }
            if (!before.host().equalsIgnoreCase(a.host()) || !before.userName().equals(a.userName())) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM uidl_ledger WHERE account_id = ?")) {
                    ps.setLong(1, a.id());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM message_failure WHERE account_id = ?")) {
                    ps.setLong(1, a.id());
                    ps.executeUpdate();
                }
            }
            c.commit();
            return get(a.id()).orElseThrow();
        } catch (SQLException e) {
            throw new StoreException("cannot update account " + a.id() + ": " + e.getMessage(), e);
        }
    }

    /** The account's override of mailfetch.fetch.max-message-size, if it has one. */
    public java.util.OptionalLong maxMessageSize(long id) {
        return db.query("SELECT max_message_size FROM external_account WHERE id = ?",
                        rs -> rs.getObject(1) == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(rs.getLong(1)), id)
                .stream().findFirst().orElse(java.util.OptionalLong.empty());
    }

    /** Sets (or, with null, removes) the account's override of mailfetch.fetch.max-message-size. */
    public void maxMessageSize(long id, Long bytes) {
        if (bytes != null && bytes < 1) {
            throw new IllegalArgumentException("the maximum message size must be at least 1 byte, got " + bytes);
        }
        if (execute("UPDATE external_account SET max_message_size = ? WHERE id = ?", bytes, id) == 0) {
            throw new NotFound("no account " + id);
        }
    }

    public void setEnabled(long id, boolean enabled) {
        if (execute("UPDATE external_account SET enabled = ? WHERE id = ?", enabled, id) == 0) {
            throw new NotFound("no account " + id);
        }
    }

    public void remove(long id) {
        if (execute("DELETE FROM external_account WHERE id = ?", id) == 0) {
            throw new NotFound("no account " + id);
        }
    }

    public Optional<Account> get(long id) {
        List<Account> found = query("SELECT " + COLUMNS + " FROM external_account WHERE id = ?", id);
        return found.stream().findFirst();
    }

    public List<Account> list() {
        return query("SELECT " + COLUMNS + " FROM external_account ORDER BY id");
    }

    private static boolean sendsPasswordElsewhere(Account before, Account after) {
        return !before.host().equalsIgnoreCase(after.host()) || before.port() != after.port()
                || before.security() != after.security()
                || !java.util.Objects.equals(before.trustCertPem(), after.trustCertPem());
    }

    /** The decrypted password, for the session that logs in. Never log or return it. */
    public String password(long id) {
        List<String> stored = db.query("SELECT password_enc FROM external_account WHERE id = ?", rs -> rs.getString(1), id);
        if (stored.isEmpty()) {
            throw new NotFound("no account " + id);
        }
        if (stored.get(0) == null) {
            throw new InvalidValue("password", "account " + id + " signs in with OAuth2 and has no password");
        }
        return cipher.decrypt(stored.get(0));
    }

    private int execute(String sql, Object... args) {
        return db.update(sql, args);
    }

    private List<Account> query(String sql, Object... args) {
        return db.query(sql, AccountStore::read, args);
    }

    private static void bind(PreparedStatement ps, Account a, long id) throws SQLException {
        Object[] values = values(a);
        values[0] = id;
        for (int i = 0; i < values.length; i++) {
            ps.setObject(i + 1, values[i]);
        }
    }

    /** The row's values in {@link #COLUMNS} order. */
    private static Object[] values(Account a) {
        return new Object[] {a.id(), a.name(), a.enabled(), a.protocol(), a.host(), a.port(), a.security().name(),
                a.userName(), a.trustCertPem(), a.intervalMinutes(), a.mimeRecipients(),
                String.join(",", a.recipientHeaders()), String.join(",", a.envelopeHeaders()), a.routeRecipients(),
                a.receivedDate(), a.antispam(), a.antivirus(), a.deleteMode().kind().name(), a.deleteMode().days(),
                a.ownerAddress(), Timestamp.from(a.createdAt())};
    }

    private static Account read(ResultSet rs) throws SQLException {
        return new Account(rs.getLong("id"), rs.getString("name"), rs.getBoolean("enabled"), rs.getString("protocol"),
                rs.getString("host"), rs.getInt("port"), Security.valueOf(rs.getString("security")),
                rs.getString("user_name"), rs.getString("trust_cert_pem"), rs.getInt("interval_minutes"),
                rs.getBoolean("mime_recipients"), split(rs.getString("recipient_headers")),
                split(rs.getString("envelope_headers")), rs.getBoolean("route_recipients"),
                rs.getBoolean("received_date"), rs.getBoolean("antispam"), rs.getBoolean("antivirus"),
                new DeleteMode(DeleteMode.Kind.valueOf(rs.getString("delete_mode")), rs.getInt("delete_after_days")),
                rs.getString("owner_address"), rs.getTimestamp("created_at").toInstant());
    }

    private static List<String> split(String csv) {
        return csv.isBlank() ? List.of() : List.of(csv.split(","));
    }
}
