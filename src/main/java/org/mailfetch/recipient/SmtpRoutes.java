package org.mailfetch.recipient;

import java.util.List;
import java.util.Optional;

import org.mailfetch.account.PasswordCipher;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;
import org.mailfetch.store.InvalidValue;
import org.mailfetch.store.NotFound;

/** The smtp_route table: domains whose mail is relayed by SMTP. Passwords are stored encrypted. */
public final class SmtpRoutes {

    private final Database db;
    private final PasswordCipher cipher;

    public SmtpRoutes(Database db, PasswordCipher cipher) {
        this.db = db;
        this.cipher = cipher;
    }

    /** Adds a route; {@code passwordOrNull} only with a user. Returns the stored domain name. */
    public String add(String domain, String host, int port, boolean tls, String user, String passwordOrNull) {
        return add(domain, host, port, tls, user, passwordOrNull, null);
    }

    /**
     * Adds a route that authenticates as {@code user} with a password, or with the access token of the
     * OAuth2 account {@code oauth2AccountId} (never both). Returns the stored domain name.
     */
    public String add(String domain, String host, int port, boolean tls, String user, String passwordOrNull,
                      Long oauth2AccountId) {
        String d;
        try {
            d = MailAddress.domain(domain);
        } catch (IllegalArgumentException e) {
            throw new InvalidValue("domain", e.getMessage());
        }
        if (host == null || host.isBlank()) {
            throw new InvalidValue("host", "a route needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidValue("port", "port must be 1..65535, got " + port);
        }
        if (user == null && (passwordOrNull != null || oauth2AccountId != null)) {
            throw new InvalidValue("user", "a route password or OAuth2 account needs a user");
        }
        if (passwordOrNull != null && oauth2AccountId != null) {
            throw new InvalidValue("oauth2Account", "a route authenticates with a password or an OAuth2 account, not both");
        }
        if (oauth2AccountId != null) {
            // the token is the account's: it goes only to a route that logs in as that account's user,
            // and for gmail/microsoft only to that provider's SMTP server
            List<String[]> acct = db.query("SELECT a.user_name, o.provider FROM external_account a JOIN oauth2_account o"
                    + " ON o.account_id = a.id WHERE a.id = ?", rs -> new String[] {rs.getString(1), rs.getString(2)},
                    oauth2AccountId);
            if (acct.isEmpty()) {
                throw new InvalidValue("oauth2Account", "account " + oauth2AccountId + " does not sign in with OAuth2");
            }
            if (!acct.get(0)[0].equals(user)) {
                throw new InvalidValue("user", "a route using the token of account " + oauth2AccountId
                        + " must log in as its user " + acct.get(0)[0]);
            }
            if (!new org.mailfetch.account.OAuth2Options(acct.get(0)[1], null, null, null).allowsHost(host.trim())) {
                throw new InvalidValue("host", "the tokens of account " + oauth2AccountId + " (" + acct.get(0)[1]
                        + ") go only to its provider's servers, not " + host.trim());
            }
        }
        if (!db.query("SELECT name FROM local_domain WHERE name = ?", rs -> rs.getString(1), d).isEmpty()) {
            throw new Conflict("domain " + d + " is a local domain: it cannot be routed as well");
        }
        try {
            db.update("INSERT INTO smtp_route (domain, host, port, tls, user_name, password_enc, oauth2_account_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)", d, host.trim(), port, tls, user,
                    passwordOrNull == null ? null : cipher.encrypt(passwordOrNull), oauth2AccountId);
        } catch (Conflict e) {
            throw new Conflict("route for " + d + " exists already");
        }
        return d;
    }

    public void remove(String domain) {
        if (db.update("DELETE FROM smtp_route WHERE domain = ?", MailAddress.domain(domain)) == 0) {
            throw new NotFound("no route for " + domain);
        }
    }

    public List<SmtpRoute> list() {
        return db.query("SELECT domain, host, port, tls, user_name, enabled FROM smtp_route ORDER BY domain",
                rs -> new SmtpRoute(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getBoolean(4), rs.getString(5),
                        rs.getBoolean(6)));
    }

    /** The enabled route of a domain, if it is routed. */
    public Optional<SmtpRoute> forDomain(String domain) {
        return list().stream().filter(r -> r.enabled() && r.domain().equals(domain)).findFirst();
    }

    /** The OAuth2 account whose access token the route authenticates with, if it uses one. */
    public Optional<Long> oauth2Account(String domain) {
        return db.query("SELECT oauth2_account_id FROM smtp_route WHERE domain = ?", rs -> (Long) rs.getObject(1, Long.class),
                domain).stream().filter(id -> id != null).findFirst();
    }

    public Optional<String> password(String domain) {
        return db.query("SELECT password_enc FROM smtp_route WHERE domain = ?", rs -> rs.getString(1), domain).stream()
                .filter(p -> p != null).findFirst().map(cipher::decrypt);
    }
}
