package org.mailfetch.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses cross-site requests that change something. A browser sends the admin's cached Basic
 * credentials with any request to the server, also with a form another site posts; such a form can
 * neither set a JSON content type nor a custom header without a CORS preflight, which this server
 * never approves. So every request other than GET/HEAD/OPTIONS needs {@code Content-Type:
 * application/json} (even without a body) or an {@code X-Requested-With} header, and must not come
 * from a foreign {@code Origin} or carry {@code Sec-Fetch-Site} other than same-origin or none.
 * 403 with a JSON error otherwise. Runs before authentication: a forged request costs no hashing.
 */
final class CsrfGuard implements Handler<RoutingContext> {

    static final String CUSTOM_HEADER = "X-Requested-With";
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    private static final Set<String> SAME_ORIGIN_FETCH = Set.of("same-origin", "none");

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String refusal = SAFE.contains(request.method()) ? null : refusal(request);
        if (refusal == null) {
            ctx.next();
            return;
        }
        ctx.response().setStatusCode(403)
                .putHeader("Content-Type", "application/json")
                .end(ApiJson.error(null, refusal));
    }

    /** Null when the request may change something, else why not. */
    static String refusal(HttpServerRequest request) {
        String fetchSite = request.getHeader("Sec-Fetch-Site");
        if (fetchSite != null && !SAME_ORIGIN_FETCH.contains(fetchSite.trim().toLowerCase(Locale.ROOT))) {
            return "cross-site request refused (Sec-Fetch-Site: " + fetchSite.trim() + ")";
        }
        String origin = request.getHeader("Origin");
        if (origin != null && !sameOrigin(origin.trim(), request.authority())) {
            return "cross-site request refused: Origin is not this server";
        }
        if (!isJson(request.getHeader("Content-Type")) && isBlank(request.getHeader(CUSTOM_HEADER))) {
            return "a request that changes something needs Content-Type: application/json or an "
                    + CUSTOM_HEADER + " header";
        }
        return null;
    }

    /**
     * Whether origin (scheme://host[:port]) names the server the request was sent to: its authority
     * (the Host header, or :authority in HTTP/2).
     */
    static boolean sameOrigin(String origin, HostAndPort authority) {
        if (authority == null || authority.host() == null || authority.host().isEmpty()) {
            return false;
        }
        URI o;
        try {
            o = new URI(origin);
        } catch (URISyntaxException e) {
            return false; // "null" (sandboxed frames, some redirects) and garbage are foreign
        }
        String scheme = o.getScheme() == null ? "" : o.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || o.getHost() == null
                || (o.getRawPath() != null && !o.getRawPath().isEmpty()) || o.getRawUserInfo() != null) {
            return false;
        }
        int defaultPort = scheme.equals("https") ? 443 : 80;
        int originPort = o.getPort() < 0 ? defaultPort : o.getPort();
        // behind a TLS proxy the authority keeps the public port (or none, meaning the default)
        int authorityPort = authority.port() < 0 ? defaultPort : authority.port();
        return stripBrackets(o.getHost()).equalsIgnoreCase(stripBrackets(authority.host())) && originPort == authorityPort;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return mediaType.equalsIgnoreCase("application/json");
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
