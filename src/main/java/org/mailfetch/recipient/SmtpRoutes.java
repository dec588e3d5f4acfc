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
        if (user == null && passwordOrNull != null) {
            throw new InvalidValue("user", "a route password needs a user");
        }
        if (!db.query("SELECT name FROM local_domain WHERE name = ?", rs -> rs.getString(1), d).isEmpty()) {
            throw new Conflict("domain " + d + " is a local domain: it cannot be routed as well");
        }
        try {
            db.update("INSERT INTO smtp_route (domain, host, port, tls, user_name, password_enc) VALUES (?, ?, ?, ?, ?, ?)",
                    d, host.trim(), port, tls, user, passwordOrNull == null ? null : cipher.encrypt(passwordOrNull));
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

    public Optional<String> password(String domain) {
        return db.query("SELECT password_enc FROM smtp_route WHERE domain = ?", rs -> rs.getString(1), domain).stream()
                .filter(p -> p != null).findFirst().map(cipher::decrypt);
    }
}
