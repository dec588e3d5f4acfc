package org.mailfetch.api;

import java.util.Set;

import org.apache.camel.Exchange;
import org.mailfetch.delivery.SmtpRoutes;
import org.mailfetch.service.AdminInput;
import org.mailfetch.service.RouteView;

/**
 * /api/routes: domains relayed by SMTP, as `route add|list|remove` manage them. The password goes
 * in (encrypted by {@link SmtpRoutes}) and never comes out.
 */
public final class RouteResource {

    private final SmtpRoutes routes;

    public RouteResource(SmtpRoutes routes) {
        this.routes = routes;
    }

    public void list(Exchange exchange) {
        ApiJson.respond(exchange, 200, routes.list().stream().map(RouteView::of).toList());
    }

    /** {domain, host, port, tls?, user?, password?}: a user needs a password, as `route add` asks. */
    public void create(Exchange exchange) {
        RequestBody body = new RequestBody(ApiJson.object(exchange))
                .only(Set.of("domain", "host", "port", "tls", "user", "password"));
        String domain = AdminInput.domain("domain", body.required("domain"));
        String host = AdminInput.host("host", body.required("host"));
        if (!body.has("port")) {
            throw ApiError.badField("port", "port is required");
        }
        int port = body.integer("port");
        boolean tls = body.has("tls") && body.bool("tls");
        String user = body.optional("user");
        String password = body.optional("password");
        if (user != null && password == null) {
            throw ApiError.badField("password", "a route user needs a password");
        }
        String added = routes.add(domain, host, port, tls, user, password);
        ApiJson.respond(exchange, 201, routes.list().stream().filter(r -> r.domain().equals(added))
                .map(RouteView::of).findFirst().orElseThrow());
    }

    public void remove(Exchange exchange) {
        routes.remove(exchange.getMessage().getHeader("domain", String.class));
        ApiJson.respond(exchange, 204, null);
    }
}
