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

    /** A new route; a user needs a password (sent only over TLS). Returns it as stored. */
    public SmtpRoute add(String domain, String host, int port, boolean tls, String user, String password) {
        AdminInput.domain(label.apply("domain"), domain);
        String checkedHost = AdminInput.host(label.apply("host"), host);
        if (user != null && password == null) {
            throw new InvalidValue(label.apply("password"), "a route user needs a password");
        }
        String added = routes.add(domain, checkedHost, port, tls, user, password);
        return routes.list().stream().filter(r -> r.domain().equals(added)).findFirst().orElseThrow();
    }

    public void remove(String domain) {
        routes.remove(domain);
    }
}
