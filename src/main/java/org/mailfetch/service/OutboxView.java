package org.mailfetch.service;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.delivery.OutboxEntry;

/** An outbox entry as `outbox list --json` prints it and GET /api/outbox returns it. */
public final class OutboxView {

    private OutboxView() {}

    public static Map<String, ?> of(OutboxEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("state", e.state().name().toLowerCase());
        m.put("accountId", e.accountId());
        m.put("uidl", e.uidl());
        m.put("route", e.routeDomain());
        m.put("envelopeFrom", e.envelopeFrom());
        m.put("recipients", e.recipients());
        m.put("size", e.size());
        m.put("attempts", e.attempts());
        m.put("createdAt", e.createdAt().toString());
        m.put("nextAttemptAt", e.nextAttemptAt().toString());
        m.put("lastError", e.lastError());
        return m;
    }
}
