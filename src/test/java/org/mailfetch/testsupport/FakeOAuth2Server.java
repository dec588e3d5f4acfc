package org.mailfetch.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A tiny OAuth2 provider on 127.0.0.1 for the sign-in tests: OpenID discovery
 * ({@code /.well-known/openid-configuration} and {@code /.well-known/oauth-authorization-server}), a device
 * authorization endpoint, an authorization endpoint that approves at once (redirects to the
 * {@code redirect_uri} with a code and the state, as a browser would be sent) and a token endpoint
 * that answers {@code authorization_pending} a few times, then the tokens — or {@code access_denied}
 * when told to deny. Every token request's form is kept for the test to look at.
 */
public final class FakeOAuth2Server implements AutoCloseable {

    public static final String USER_CODE = "WDJB-MJHT";
    public static final String DEVICE_CODE = "device-code-9f8e";
    public static final String ACCESS_TOKEN = "access-tok3n-SECRET";
    public static final String REFRESH_TOKEN = "refresh-tok3n-SECRET";
    public static final String AUTH_CODE = "auth-code-1234";

    private final HttpServer server;
    private final AtomicInteger pendingLeft;
    private volatile boolean deny;
    private final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();

    /** @param pendingPolls how many device-code polls answer authorization_pending before the tokens */
    public FakeOAuth2Server(int pendingPolls) throws IOException {
        pendingLeft = new AtomicInteger(pendingPolls);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/.well-known/oauth-authorization-server", this::discovery);
        server.createContext("/device", this::device);
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    /** The issuer URL: the account's {@code --oauth2 issuer:<this>}. */
    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on the user declines: the token endpoint answers access_denied. */
    public void deny() {
        deny = true;
    }

    public List<Map<String, String>> tokenRequests() {
        return tokenRequests;
    }

    private void discovery(HttpExchange x) throws IOException {
        String base = issuer();
        json(x, 200, "{\"issuer\":\"" + base + "\",\"authorization_endpoint\":\"" + base + "/authorize\","
                + "\"token_endpoint\":\"" + base + "/token\",\"device_authorization_endpoint\":\"" + base + "/device\","
                + "\"response_types_supported\":[\"code\"],\"grant_types_supported\":[\"authorization_code\","
                + "\"refresh_token\",\"urn:ietf:params:oauth:grant-type:device_code\"],"
                + "\"code_challenge_methods_supported\":[\"S256\"]}");
    }

    private void device(HttpExchange x) throws IOException {
        String base = issuer();
        json(x, 200, "{\"device_code\":\"" + DEVICE_CODE + "\",\"user_code\":\"" + USER_CODE + "\","
                + "\"verification_uri\":\"" + base + "/activate\","
                + "\"verification_uri_complete\":\"" + base + "/activate?user_code=" + USER_CODE + "\","
                + "\"expires_in\":600,\"interval\":1}");
    }

    /** The user approves at once: back to the redirect URI with the code and the state. */
    private void authorize(HttpExchange x) throws IOException {
        Map<String, String> q = form(x.getRequestURI().getRawQuery());
        String location = q.get("redirect_uri") + (q.get("redirect_uri").contains("?") ? "&" : "?")
                + (deny ? "error=access_denied" : "code=" + AUTH_CODE)
                + "&state=" + URLEncoder.encode(q.getOrDefault("state", ""), StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Location", location);
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    private void token(HttpExchange x) throws IOException {
        Map<String, String> f = form(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        tokenRequests.add(f);
        String grant = f.getOrDefault("grant_type", "");
        if (grant.equals("urn:ietf:params:oauth:grant-type:device_code")) {
            if (deny) {
                json(x, 400, "{\"error\":\"access_denied\"}");
                return;
            }
            if (pendingLeft.getAndDecrement() > 0) {
                json(x, 400, "{\"error\":\"authorization_pending\"}");
                return;
            }
        }
        json(x, 200, "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"refresh_token\":\"" + REFRESH_TOKEN + "\","
                + "\"token_type\":\"Bearer\",\"expires_in\":3600}");
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return m;
    }

    private static void json(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.getResponseHeaders().add("Cache-Control", "no-store");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
