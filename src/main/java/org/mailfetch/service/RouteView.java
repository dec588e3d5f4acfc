package org.mailfetch.service;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.recipient.SmtpRoute;

/** A route as `route list --json` prints it and GET /api/routes returns it: never the password. */
public final class RouteView {

    private RouteView() {}

    public static Map<String, ?> of(SmtpRoute r) {
        return of(r, null);
    }

    /** With the OAuth2 account whose token the route sends ({@code oauth2Account}), null when it has none. */
    public static Map<String, ?> of(SmtpRoute r, Long oauth2Account) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("domain", r.domain());
        m.put("host", r.host());
        m.put("port", r.port());
        m.put("tls", r.tls());
        m.put("user", r.user());
        m.put("oauth2Account", oauth2Account);
        m.put("enabled", r.enabled());
        return m;
    }
}
