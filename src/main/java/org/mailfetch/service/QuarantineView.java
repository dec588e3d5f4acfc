package org.mailfetch.service;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.quarantine.QuarantineItem;

/** A quarantined message as `quarantine list --json` prints it and GET /api/quarantine returns it. */
public final class QuarantineView {

    private QuarantineView() {}

    public static Map<String, ?> of(QuarantineItem i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("accountId", i.accountId());
        m.put("uidl", i.uidl());
        m.put("owner", i.ownerAddress());
        m.put("kind", i.kind());
        m.put("reason", i.reason());
        m.put("sender", i.sender());
        m.put("subject", i.subject());
        m.put("size", i.size());
        m.put("quarantinedAt", i.quarantinedAt().toString());
        return m;
    }
}
