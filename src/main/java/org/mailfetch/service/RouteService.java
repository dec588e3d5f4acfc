package org.mailfetch.service;

import java.util.List;
import java.util.function.UnaryOperator;

import org.mailfetch.recipient.SmtpRoute;
import org.mailfetch.recipient.SmtpRoutes;
import org.mailfetch.store.InvalidValue;

/**
 * Domains relayed by SMTP, as `route add|list|remove` and /api/routes manage them. The password goes
 * in (stored encrypted) and never comes out: {@link RouteView} has no field for it.
 */
public final class RouteService {

    private final SmtpRoutes routes;
    private final UnaryOperator<String> label;

    /** Fields named as the REST API names them. */
    public RouteService(Services services) {
        this(services, UnaryOperator.identity());
    }

    /** @param label how the surface names a field: {@code domain}, {@code host}, {@code password} */
    public RouteService(Services services, UnaryOperator<String> label) {
        this.routes = services.smtpRoutes();
        this.label = label;
    }

    public List<SmtpRoute> list() {
        return routes.list();
    }

    /** The route as `route list --json` and GET /api/routes show it. */
    public java.util.Map<String, ?> view(SmtpRoute r) {
        return RouteView.of(r, routes.oauth2Account(r.domain()).orElse(null));
    }

    /** A new route; a user needs a password (sent only over TLS). Returns it as stored. */
    public SmtpRoute add(String domain, String host, int port, boolean tls, String user, String password) {
        return add(domain, host, port, tls, user, password, null);
    }

    /**
     * A new route; a user needs a password or an OAuth2 account whose access token it sends instead
     * (XOAUTH2; only over TLS like a password). Returns it as stored.
     */
    public SmtpRoute add(String domain, String host, int port, boolean tls, String user, String password,
                         Long oauth2Account) {
        AdminInput.domain(label.apply("domain"), domain);
        String checkedHost = AdminInput.host(label.apply("host"), host);
        if (user != null && password == null && oauth2Account == null) {
            throw new InvalidValue(label.apply("password"), "a route user needs a password or an OAuth2 account");
        }
        String added;
        try {
            added = routes.add(domain, checkedHost, port, tls, user, password, oauth2Account);
        } catch (InvalidValue e) {
            throw e.field().equals("oauth2Account") ? new InvalidValue(label.apply("oauth2Account"), e.getMessage()) : e;
        }
        return routes.list().stream().filter(r -> r.domain().equals(added)).findFirst().orElseThrow();
    }

    public void remove(String domain) {
        routes.remove(domain);
    }
}
