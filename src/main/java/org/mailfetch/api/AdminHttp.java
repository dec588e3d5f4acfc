package org.mailfetch.api;

import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.mailfetch.config.Settings;
import org.mailfetch.service.AdminPassword;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded HTTP server of the service (Camel's platform-http on Vert.x): one port,
 * {@code mailfetch.http.host}:{@code mailfetch.http.port}, for the REST API (routes/admin-api.camel.yaml),
 * the web page under /admin/, and Camel's /observe/health and /observe/metrics; all behind
 * {@link CsrfGuard}, {@link PathParamGuard} and {@link BasicAuth}. Camel's developer endpoints (dev console, upload, send, Jolokia) stay off.
 */
public final class AdminHttp {

    public static final String HOST = "mailfetch.http.host";
    public static final String PORT = "mailfetch.http.port";
    /**
     * When set, /observe/metrics and /observe/health are served on this port of
     * {@link #OBSERVE_HOST} instead, without authentication: what Prometheus scrapes without the
     * admin password. Empty (the default): on the admin server, behind Basic auth.
     */
    public static final String OBSERVE_PORT = "mailfetch.observe.port";
    public static final String OBSERVE_HOST = "mailfetch.observe.host";

    private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);

    private AdminHttp() {}

    /** The camel.server / camel.management / camel.metrics keys for the service, from mailfetch.http.*. */
    public static void configure(Properties camel, Settings settings) {
        String host = settings.string(HOST);
        String port = String.valueOf(settings.integer(PORT));
        // Vert.x binds after Camel has started and Camel only logs a failed bind: the service would run
        // on without its REST API, web page and health probes. So the ports are tried first.
        ensureFree(host, settings.integer(PORT), HOST + ", " + PORT);
        camel.setProperty("camel.server.enabled", "true");
        camel.setProperty("camel.server.host", host);
        camel.setProperty("camel.server.port", port);
        camel.setProperty("camel.server.staticEnabled", "false");
        camel.setProperty("camel.server.fileUploadEnabled", "false");
        camel.setProperty("camel.server.maxBodySize", "1048576");
        // health and metrics on the same server and port (ManagementHttpServer reuses it), or on a
        // port of their own that carries nothing else, for a Prometheus without the admin password
        String observePort = settings.optional(OBSERVE_PORT).orElse("");
        camel.setProperty("camel.management.enabled", "true");
        if (!observePort.isBlank()) {
            ensureFree(settings.string(OBSERVE_HOST), settings.integer(OBSERVE_PORT), OBSERVE_HOST + ", " + OBSERVE_PORT);
        }
        camel.setProperty("camel.management.host", observePort.isBlank() ? host : settings.string(OBSERVE_HOST));
        camel.setProperty("camel.management.port", observePort.isBlank() ? port
                : String.valueOf(settings.integer(OBSERVE_PORT)));
        camel.setProperty("camel.management.healthCheckEnabled", "true");
        camel.setProperty("camel.management.metricsEnabled", "true");
        for (String off : new String[] {"devConsoleEnabled", "uploadEnabled", "downloadEnabled", "sendEnabled",
                "jolokiaEnabled", "infoEnabled"}) {
            camel.setProperty("camel.management." + off, "false");
        }
        camel.setProperty("camel.metrics.enabled", "true");
    }

    /** Refuses to start when {@code host:port} cannot be listened on (port 0: any free one, always fine). */
    static void ensureFree(String host, int port, String keys) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true); // as Vert.x does: a port in TIME_WAIT from the last run is free
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + keys + "): " + e.getMessage()
                    + "; is another process (or another mailfetch) using it?", e);
        }
    }

    /** Without the HTTP server (CLI commands that start Camel). */
    public static void disable(Properties camel) {
        camel.setProperty("camel.server.enabled", "false");
        camel.setProperty("camel.management.enabled", "false");
        camel.setProperty("camel.metrics.enabled", "false");
    }

    /** Puts authentication in front of every path and mounts the web page; call once the server has started. */
    public static void secure(CamelContext camel, AdminPassword password) {
        VertxPlatformHttpServer server = camel.hasService(VertxPlatformHttpServer.class);
        if (server == null) {
            throw new IllegalStateException("the embedded HTTP server is not running (camel.server.enabled)");
        }
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(camel,
                VertxPlatformHttpRouter.getRouterNameFromPort(server.getConfigurationPort()));
        // cheap refusals first, so that a forged or ambiguous request costs no password hashing
        router.route().order(Integer.MIN_VALUE).handler(new CsrfGuard());
        router.route().order(Integer.MIN_VALUE + 1).handler(PathParamGuard.of(camel));
        router.route().order(Integer.MIN_VALUE + 2).handler(new BasicAuth(password));
        WebPage page = new WebPage();
        router.get("/").order(Integer.MIN_VALUE + 3).handler(page);
        router.get(WebPage.PATH + "*").order(Integer.MIN_VALUE + 3).handler(page);
        LOG.info("admin web page and REST API on http://{}:{}{} (HTTP Basic, user admin)", server.getHost(),
                server.getPort(), WebPage.PATH);
    }

    /** The port the server listens on (differs from the configured one when that is 0). */
    public static int port(CamelContext camel) {
        VertxPlatformHttpServer server = camel.hasService(VertxPlatformHttpServer.class);
        return server == null ? -1 : server.getPort();
    }
}
