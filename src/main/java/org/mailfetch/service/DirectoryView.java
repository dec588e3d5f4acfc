package org.mailfetch.service;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.recipient.LocalDomain;

/**
 * The local directory as the `domain`, `mailbox`, `alias` and `list` commands print it with --json
 * and /api/domains, /api/mailboxes, /api/aliases and /api/lists return it.
 */
public final class DirectoryView {

    private DirectoryView() {}

    /** {name, enabled, catchAll, lmtp}: null for an option not set. */
    public static Map<String, ?> domain(LocalDomain d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("enabled", d.enabled());
        m.put("catchAll", d.catchAll());
        m.put("lmtp", d.lmtp() == null ? null : d.lmtp().toString());
        return m;
    }

    public static Map<String, ?> mailbox(String address) {
        return Map.of("address", address);
    }

    public static Map<String, ?> alias(LocalDirectory.Expansion e) {
        return Map.of("address", e.address(), "targets", e.targets());
    }

    public static Map<String, ?> list(LocalDirectory.Expansion e) {
        return Map.of("address", e.address(), "members", e.targets());
    }
}
