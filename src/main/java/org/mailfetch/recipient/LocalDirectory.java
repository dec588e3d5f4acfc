package org.mailfetch.recipient;

import java.util.List;

import org.mailfetch.store.Database;
import org.mailfetch.store.StoreException;

/** The local domains and their mailboxes: where downloaded mail may be delivered. */
public final class LocalDirectory {

    private final Database db;

    public LocalDirectory(Database db) {
        this.db = db;
    }

    public String addDomain(String name) {
        String domain = MailAddress.domain(name);
        try {
            db.update("INSERT INTO local_domain (name) VALUES (?)", domain);
        } catch (StoreException.Duplicate e) {
            throw new StoreException("domain " + domain + " exists already");
        }
        return domain;
    }

    public void removeDomain(String name) {
        String domain = MailAddress.domain(name);
        if (!strings("SELECT address FROM mailbox WHERE domain = ?", domain).isEmpty()) {
            throw new StoreException("domain " + domain + " still has mailboxes: remove them first");
        }
        if (db.update("DELETE FROM local_domain WHERE name = ?", domain) == 0) {
            throw new StoreException("no domain " + domain);
        }
    }

    public List<String> domains() {
        return strings("SELECT name FROM local_domain ORDER BY name");
    }

    public MailAddress addMailbox(String address) {
        MailAddress a = MailAddress.parse(address);
        if (!domains().contains(a.domain())) {
            throw new StoreException("domain " + a.domain() + " is not a local domain: add it first (domain add)");
        }
        try {
            db.update("INSERT INTO mailbox (address, domain, local_part) VALUES (?, ?, ?)",
                    a.toString(), a.domain(), a.localPart());
        } catch (StoreException.Duplicate e) {
            throw new StoreException("mailbox " + a + " exists already");
        }
        return a;
    }

    public void removeMailbox(String address) {
        MailAddress a = MailAddress.parse(address);
        if (!strings("SELECT CAST(id AS VARCHAR) FROM external_account WHERE owner_address = ?", a.toString()).isEmpty()) {
            throw new StoreException("mailbox " + a + " owns external accounts: remove them first");
        }
        if (db.update("DELETE FROM mailbox WHERE address = ?", a.toString()) == 0) {
            throw new StoreException("no mailbox " + a);
        }
    }

    public List<String> mailboxes() {
        return strings("SELECT address FROM mailbox ORDER BY domain, local_part");
    }

    public boolean isMailbox(MailAddress a) {
        return !strings("SELECT address FROM mailbox WHERE address = ? AND enabled", a.toString()).isEmpty();
    }

    private List<String> strings(String sql, Object... args) {
        return db.query(sql, rs -> rs.getString(1), args);
    }
}
