package org.mailfetch.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An OAuth2 provider on a loopback port for fast tests: a discovery document naming its token and
 * device endpoints, and endpoints that answer what the test queued (status and JSON), recording
 * every form they were sent. Its authorization endpoint stands for the user's browser session: it
 * approves at once (or declines, {@link #declineInBrowser}), redirecting to the {@code redirect_uri}
 * with a code and the state. The real provider of the integration tests is Keycloak.
 */
public final class FakeOAuth2Provider implements AutoCloseable {

    /** The code the authorization endpoint gives, and what {@link #approvesAfter} hands out. */
    public static final String AUTH_CODE = "auth-code-1234";
    public static final String DEVICE_CODE = "device-code-9f8e";
    public static final String USER_CODE = "WDJB-MJHT";
    public static final String ACCESS_TOKEN = "access-tok3n-SECRET";
    public static final String REFRESH_TOKEN = "refresh-tok3n-SECRET";

    /** One queued answer. */
    public record Answer(int status, String json) {}

    private final HttpServer server;
    private final Deque<Answer> tokenAnswers = new ArrayDeque<>();
    private final Deque<Answer> deviceAnswers = new ArrayDeque<>();
    private final List<Map<String, String>> tokenRequests = new ArrayList<>();
    private volatile boolean declineInBrowser;

    public FakeOAuth2Provider() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/realm/.well-known/openid-configuration", ex -> send(ex, new Answer(200, """
                {"issuer":"%1$s","token_endpoint":"%1$s/token","device_authorization_endpoint":"%1$s/device",
                 "authorization_endpoint":"%1$s/auth","scopes_supported":["openid","offline_access","mail"]}"""
                .formatted(issuer()))));
        server.createContext("/realm/token", ex -> {
            Answer a;
            synchronized (this) {
                tokenRequests.add(form(ex));
                a = tokenAnswers.isEmpty() ? new Answer(500, "{}") : tokenAnswers.poll();
            }
            send(ex, a);
        });
        server.createContext("/realm/device", ex -> {
            Answer a;
            synchronized (this) {
                form(ex);
                a = deviceAnswers.isEmpty() ? new Answer(500, "{}") : deviceAnswers.poll();
            }
            send(ex, a);
        });
        server.createContext("/realm/auth", this::authorize);
        server.start();
    }

    /** The user's browser: back to the redirect URI with a code (or access_denied) and the state. */
    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String redirect = q.getOrDefault("redirect_uri", "");
        ex.getResponseHeaders().set("Location", redirect + (redirect.contains("?") ? "&" : "?")
                + (declineInBrowser ? "error=access_denied" : "code=" + AUTH_CODE)
                + "&state=" + URLEncoder.encode(q.getOrDefault("state", ""), StandardCharsets.UTF_8));
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    /** From now on the authorization endpoint answers access_denied. */
    public void declineInBrowser() {
        declineInBrowser = true;
    }

    /**
     * Queues a device authorization answer: this user code, a verification URI on this provider,
     * verification_uri_complete with the code in it, valid 10 minutes, polled every second.
     */
    public FakeOAuth2Provider deviceCode(String deviceCode, String userCode) {
        return device(200, ("{\"device_code\":\"%s\",\"user_code\":\"%s\",\"verification_uri\":\"%3$s/activate\","
                + "\"verification_uri_complete\":\"%3$s/activate?user_code=%2$s\",\"expires_in\":600,\"interval\":1}")
                .formatted(deviceCode, userCode, issuer()));
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realm";
    }

    /**
     * A user who approves the device code after {@code pendingPolls} polls: the device answer
     * ({@link #DEVICE_CODE}, {@link #USER_CODE}), as many authorization_pending, then the tokens.
     */
    public FakeOAuth2Provider approvesAfter(int pendingPolls) {
        pending(pendingPolls);
        return tokens(ACCESS_TOKEN, REFRESH_TOKEN, 3600);
    }

    /** A user who declines the device code after {@code pendingPolls} polls: access_denied. */
    public FakeOAuth2Provider deniesAfter(int pendingPolls) {
        pending(pendingPolls);
        return token(400, "{\"error\":\"access_denied\"}");
    }

    private void pending(int polls) {
        deviceCode(DEVICE_CODE, USER_CODE);
        for (int i = 0; i < polls; i++) {
            token(400, "{\"error\":\"authorization_pending\"}");
        }
    }

    /** Queues the next token endpoint answer. */
    public synchronized FakeOAuth2Provider token(int status, String json) {
        tokenAnswers.add(new Answer(status, json));
        return this;
    }

    /** Queues a successful token answer. */
    public FakeOAuth2Provider tokens(String access, String refresh, int expiresIn) {
        return token(200, "{\"access_token\":\"" + access + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn
                + (refresh == null ? "" : ",\"refresh_token\":\"" + refresh + "\"") + "}");
    }

    public synchronized FakeOAuth2Provider device(int status, String json) {
        deviceAnswers.add(new Answer(status, json));
        return this;
    }

    /** Every form posted to the token endpoint so far. */
    public synchronized List<Map<String, String>> tokenRequests() {
        return List.copyOf(tokenRequests);
    }

    private static Map<String, String> form(HttpExchange ex) throws IOException {
        return query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body == null) {
            return form;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static void send(HttpExchange ex, Answer a) throws IOException {
        byte[] body = a.json().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(a.status(), body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
