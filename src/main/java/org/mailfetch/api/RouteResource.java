package org.mailfetch.api;

import java.util.Set;

import org.apache.camel.Exchange;
import org.mailfetch.service.RouteService;
import org.mailfetch.service.RouteView;

/**
 * /api/routes: domains relayed by SMTP, as `route add|list|remove` manage them. The password goes
 * in (stored encrypted) and never comes out.
 */
public final class RouteResource {

    private final RouteService routes;

    public RouteResource(RouteService routes) {
        this.routes = routes;
    }

    public void list(Exchange exchange) {
        ApiJson.respond(exchange, 200, routes.list().stream().map(routes::view).toList());
    }

    /**
     * {domain, host, port, tls?, user?, password? | oauth2Account?}: a user needs a password or the id of
     * an OAuth2 account whose access token the route sends, as `route add` asks.
     */
    public void create(Exchange exchange) {
        RequestBody body = new RequestBody(ApiJson.object(exchange))
                .only(Set.of("domain", "host", "port", "tls", "user", "password", "oauth2Account"));
        String domain = body.required("domain");
        String host = body.required("host");
        if (!body.has("port")) {
            throw ApiError.badField("port", "port is required");
        }
        Long oauth2Account = body.has("oauth2Account") ? (long) body.integer("oauth2Account") : null;
        ApiJson.respond(exchange, 201, routes.view(routes.add(domain, host, body.integer("port"),
                body.has("tls") && body.bool("tls"), body.optional("user"), body.optional("password"), oauth2Account)));
    }

    public void remove(Exchange exchange) {
        routes.remove(exchange.getMessage().getHeader("domain", String.class));
        ApiJson.respond(exchange, 204, null);
    }
}
