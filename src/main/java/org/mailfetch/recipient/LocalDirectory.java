package org.mailfetch.recipient;

import java.util.List;
import java.util.Optional;

import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.NotFound;

/**
 * The local domains and their mailboxes, aliases and distribution lists: where downloaded mail may
 * be delivered. A domain may have a catch-all address and may deliver by LMTP instead of Maildir.
 */
public final class LocalDirectory {

    private final Database db;

    public LocalDirectory(Database db) {
        this.db = db;
    }

    public String addDomain(String name) {
        String domain = MailAddress.domain(name);
        try {
            db.update("INSERT INTO local_domain (name) VALUES (?)", domain);
        } catch (Conflict e) {
            throw new Conflict("domain " + domain + " exists already");
        }
        return domain;
    }

    public void removeDomain(String name) {
        String domain = MailAddress.domain(name);
        if (!strings("SELECT address FROM mailbox WHERE domain = ?", domain).isEmpty()) {
            throw new Conflict("domain " + domain + " still has mailboxes: remove them first");
        }
        if (db.update("DELETE FROM local_domain WHERE name = ?", domain) == 0) {
            throw new NotFound("no domain " + domain);
        }
    }

    public List<String> domains() {
        return strings("SELECT name FROM local_domain ORDER BY name");
    }

    /** Adds a domain with its options; returns the stored name. */
    public String addDomain(String name, String catchAll, LmtpTarget lmtp) {
        String domain = addDomain(name);
        updateDomain(domain, Optional.ofNullable(catchAll), Optional.ofNullable(lmtp));
        return domain;
    }

    /**
     * Changes a domain's options; an absent Optional leaves the option as it is, an Optional of
     * {@link #CLEAR} (catch-all) or {@link LmtpTarget#NONE} removes it.
     */
    public void updateDomain(String name, Optional<String> catchAll, Optional<LmtpTarget> lmtp) {
        String domain = MailAddress.domain(name);
        if (domain(domain).isEmpty()) {
            throw new NotFound("no domain " + domain);
        }
        catchAll.ifPresent(c -> db.update("UPDATE local_domain SET catch_all = ? WHERE name = ?",
                CLEAR.equals(c) ? null : MailAddress.parse(c).toString(), domain));
        lmtp.ifPresent(l -> db.update("UPDATE local_domain SET lmtp = ? WHERE name = ?",
                l == LmtpTarget.NONE ? null : l.toString(), domain));
    }

    /** Passed to {@link #updateDomain} as the catch-all: no catch-all any more. */
    public static final String CLEAR = "";

    public Optional<LocalDomain> domain(String name) {
        return db.query("SELECT name, enabled, catch_all, lmtp FROM local_domain WHERE name = ?",
                rs -> new LocalDomain(rs.getString(1), rs.getBoolean(2), rs.getString(3),
                        rs.getString(4) == null ? null : LmtpTarget.parse(rs.getString(4))), name).stream().findFirst();
    }

    public List<LocalDomain> domainDetails() {
        return domains().stream().map(d -> domain(d).orElseThrow()).toList();
    }

    // --- aliases: an address that stands for one or more others

    public String addAlias(String alias, List<String> targets) {
        MailAddress a = MailAddress.parse(alias);
        requireLocalDomain(a);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("an alias needs at least one target");
        }
        List<String> normalised = targets.stream().map(t -> MailAddress.parse(t).toString()).distinct().toList();
        try {
            db.update("INSERT INTO alias (address) VALUES (?)", a.toString());
        } catch (Conflict e) {
            throw new Conflict("alias " + a + " exists already");
        }
        for (String t : normalised) {
            db.update("INSERT INTO alias_target (alias_address, target) VALUES (?, ?)", a.toString(), t);
        }
        return a.toString();
    }

    public void removeAlias(String alias) {
        if (db.update("DELETE FROM alias WHERE address = ?", MailAddress.parse(alias).toString()) == 0) {
            throw new NotFound("no alias " + alias);
        }
    }

    /** Each alias with its targets, by address. */
    public List<Expansion> aliases() {
        return expansions("SELECT a.address, t.target FROM alias a JOIN alias_target t ON t.alias_address = a.address"
                + " ORDER BY a.address, t.target");
    }

    /** The targets of an enabled alias; empty if the address is no alias. */
    public List<String> aliasTargets(MailAddress a) {
        return strings("SELECT t.target FROM alias a JOIN alias_target t ON t.alias_address = a.address"
                + " WHERE a.address = ? AND a.enabled ORDER BY t.target", a.toString());
    }

    // --- distribution lists

    public String addList(String list, List<String> members) {
        MailAddress a = MailAddress.parse(list);
        requireLocalDomain(a);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a distribution list needs at least one member");
        }
        List<String> normalised = members.stream().map(m -> MailAddress.parse(m).toString()).distinct().toList();
        try {
            db.update("INSERT INTO distribution_list (address) VALUES (?)", a.toString());
        } catch (Conflict e) {
            throw new Conflict("distribution list " + a + " exists already");
        }
        for (String m : normalised) {
            db.update("INSERT INTO list_member (list_address, member) VALUES (?, ?)", a.toString(), m);
        }
        return a.toString();
    }

    public void removeList(String list) {
        if (db.update("DELETE FROM distribution_list WHERE address = ?", MailAddress.parse(list).toString()) == 0) {
            throw new NotFound("no distribution list " + list);
        }
    }

    public List<Expansion> lists() {
        return expansions("SELECT l.address, m.member FROM distribution_list l JOIN list_member m"
                + " ON m.list_address = l.address ORDER BY l.address, m.member");
    }

    public List<String> listMembers(MailAddress a) {
        return strings("SELECT m.member FROM distribution_list l JOIN list_member m ON m.list_address = l.address"
                + " WHERE l.address = ? AND l.enabled ORDER BY m.member", a.toString());
    }

    /** An alias or list with the addresses it stands for. */
    public record Expansion(String address, List<String> targets) {}

    private List<Expansion> expansions(String sql) {
        java.util.Map<String, List<String>> byAddress = new java.util.LinkedHashMap<>();
        db.query(sql, rs -> byAddress.computeIfAbsent(rs.getString(1), k -> new java.util.ArrayList<>()).add(rs.getString(2)));
        return byAddress.entrySet().stream().map(e -> new Expansion(e.getKey(), List.copyOf(e.getValue()))).toList();
    }

    private void requireLocalDomain(MailAddress a) {
        if (domain(a.domain()).isEmpty()) {
            throw new NotFound("domain " + a.domain() + " is not a local domain: add it first (domain add)");
        }
    }

    public MailAddress addMailbox(String address) {
        MailAddress a = MailAddress.parse(address);
        if (!domains().contains(a.domain())) {
            throw new NotFound("domain " + a.domain() + " is not a local domain: add it first (domain add)");
        }
        try {
            db.update("INSERT INTO mailbox (address, domain, local_part) VALUES (?, ?, ?)",
                    a.toString(), a.domain(), a.localPart());
        } catch (Conflict e) {
            throw new Conflict("mailbox " + a + " exists already");
        }
        return a;
    }

    public void removeMailbox(String address) {
        MailAddress a = MailAddress.parse(address);
        if (!strings("SELECT CAST(id AS VARCHAR) FROM external_account WHERE owner_address = ?", a.toString()).isEmpty()) {
            throw new Conflict("mailbox " + a + " owns external accounts: remove them first");
        }
        if (db.update("DELETE FROM mailbox WHERE address = ?", a.toString()) == 0) {
            throw new NotFound("no mailbox " + a);
        }
    }

    public List<String> mailboxes() {
        return strings("SELECT address FROM mailbox ORDER BY domain, local_part");
    }

    public boolean isMailbox(MailAddress a) {
        return !strings("SELECT address FROM mailbox WHERE address = ? AND enabled", a.toString()).isEmpty();
    }

    /**
     * Everything recipient resolution needs, read in four queries: enabled mailboxes, enabled
     * aliases and lists with their targets, and all domains; plus the given routed domains.
     */
    DirectorySnapshot snapshot(java.util.Set<String> routedDomains) {
        java.util.Map<String, LocalDomain> domains = domainsByName();
        java.util.Set<String> mailboxes = new java.util.HashSet<>(strings("SELECT address FROM mailbox WHERE enabled"));
        return new DirectorySnapshot(domains, mailboxes,
                grouped("SELECT a.address, t.target FROM alias a JOIN alias_target t ON t.alias_address = a.address"
                        + " WHERE a.enabled ORDER BY a.address, t.target"),
                grouped("SELECT l.address, m.member FROM distribution_list l JOIN list_member m"
                        + " ON m.list_address = l.address WHERE l.enabled ORDER BY l.address, m.member"),
                routedDomains);
    }

    /** Every local domain (enabled or not) by name, read in one query. */
    public java.util.Map<String, LocalDomain> domainsByName() {
        java.util.Map<String, LocalDomain> domains = new java.util.HashMap<>();
        db.query("SELECT name, enabled, catch_all, lmtp FROM local_domain", rs -> domains.put(rs.getString(1),
                new LocalDomain(rs.getString(1), rs.getBoolean(2), rs.getString(3),
                        rs.getString(4) == null ? null : LmtpTarget.parse(rs.getString(4)))));
        return domains;
    }

    private java.util.Map<String, List<String>> grouped(String sql) {
        java.util.Map<String, List<String>> out = new java.util.HashMap<>();
        db.query(sql, rs -> out.computeIfAbsent(rs.getString(1), k -> new java.util.ArrayList<>()).add(rs.getString(2)));
        return out;
    }

    private List<String> strings(String sql, Object... args) {
        return db.query(sql, rs -> rs.getString(1), args);
    }
}
