package org.mailfetch.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
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
 * every form they were sent. The real provider of the integration tests is Keycloak.
 */
public final class FakeOAuth2Provider implements AutoCloseable {

    /** One queued answer. */
    public record Answer(int status, String json) {}

    private final HttpServer server;
    private final Deque<Answer> tokenAnswers = new ArrayDeque<>();
    private final Deque<Answer> deviceAnswers = new ArrayDeque<>();
    private final List<Map<String, String>> tokenRequests = new ArrayList<>();

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
        server.start();
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realm";
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
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new LinkedHashMap<>();
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
