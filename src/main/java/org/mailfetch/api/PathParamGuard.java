package org.mailfetch.api;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;

/**
 * Camel's platform-http puts request headers, query parameters and path parameters into one map of
 * message headers, so a client header {@code id: 2} (or {@code ?id=2}) on {@code DELETE
 * /api/accounts/1} competes with the path's {@code {id}} and may win. This guard refuses (400)
 * any request that carries a header or query parameter named like a path parameter of the REST API
 * (the names are read from the REST definitions, so a new path is covered without a change here),
 * and a path whose parameters would decode to a control character (%0D, %0A, %00, ...).
 */
final class PathParamGuard implements Handler<RoutingContext> {

    private static final Pattern PARAM = Pattern.compile("\\{([^}/]+)}");

    /** Lower-cased: HTTP header names are case-insensitive, and so is Camel's header map. */
    private final Set<String> reserved;

    PathParamGuard(Set<String> pathParamNames) {
        Set<String> lower = new TreeSet<>();
        pathParamNames.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
        this.reserved = Set.copyOf(lower);
    }

    /** A guard for every path parameter name of the REST definitions in the context. */
    static PathParamGuard of(CamelContext camel) {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        Set<String> names = new TreeSet<>();
        for (RestDefinition rest : model.getRestDefinitions()) {
            addParams(rest.getPath(), names);
            for (VerbDefinition verb : rest.getVerbs()) {
                addParams(verb.getPath(), names);
            }
        }
        if (names.isEmpty()) {
            throw new IllegalStateException("no REST path parameters found: are the REST routes loaded?");
        }
        return new PathParamGuard(names);
    }

    private static void addParams(String path, Set<String> names) {
        if (path != null) {
            Matcher m = PARAM.matcher(path);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        String clash = hasEncodedControl(ctx.request().path()) ? "the path must not contain control characters" : null;
        if (clash == null) {
            clash = clash(ctx.request().headers().names(), "header");
        }
        if (clash == null) {
            clash = clash(ctx.queryParams().names(), "query parameter");
        }
        if (clash == null) {
            ctx.next();
            return;
        }
        ctx.response().setStatusCode(400)
                .putHeader("Content-Type", "application/json")
                .end(ApiJson.error(null, clash));
    }

    /** Whether the raw path holds a percent-encoded control character ([\x00-\x1f\x7f]). */
    static boolean hasEncodedControl(String rawPath) {
        for (int i = rawPath.indexOf('%'); i >= 0 && i + 2 < rawPath.length(); i = rawPath.indexOf('%', i + 1)) {
            int high = Character.digit(rawPath.charAt(i + 1), 16);
            int low = Character.digit(rawPath.charAt(i + 2), 16);
            if (high >= 0 && low >= 0 && (high < 2 || (high == 7 && low == 0xf))) {
                return true;
            }
        }
        return false;
    }

    private String clash(Set<String> names, String what) {
        for (String name : names) {
            if (reserved.contains(name.toLowerCase(Locale.ROOT))) {
                return what + " '" + name + "' is refused: it is the name of a path parameter";
            }
        }
        return null;
    }
}
