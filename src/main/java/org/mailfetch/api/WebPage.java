package org.mailfetch.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * The web admin page: plain files from the classpath folder {@code web/} under {@code /admin/}
 * (only simple names, so nothing else on the classpath can be read), and {@code /} redirects there.
 * The page talks to the REST API only.
 */
final class WebPage implements Handler<RoutingContext> {

    static final String PATH = "/admin/";
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]+\\.(html|css|js|svg)");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml");

    @Override
    public void handle(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (!path.startsWith(PATH)) {
            ctx.redirect(PATH);
            return;
        }
        String name = path.substring(PATH.length());
        if (name.isEmpty()) {
            name = "index.html";
        }
        if (!NAME.matcher(name).matches()) {
            ctx.response().setStatusCode(404).end();
            return;
        }
        try (InputStream in = WebPage.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                ctx.response().setStatusCode(404).end();
                return;
            }
            ctx.response().putHeader("Content-Type", TYPES.get(name.substring(name.lastIndexOf('.') + 1)))
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
                    .end(Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            ctx.fail(e);
        }
    }
}
