package org.mailfetch.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the OAuth2 test infrastructure end to end: {@link Keycloak} issues tokens by every grant
 * the product uses, and {@link Dovecot#start(Dovecot.OAuth2)} accepts them over POP3 and IMAP
 * (SASL XOAUTH2 and OAUTHBEARER) by introspecting them at that Keycloak.
 */
class KeycloakDovecotIT {

    private static final String ALICE_MAIL_PASSWORD = "alice-mailbox-secret";

    @AutoClose
    static Dovecot dovecot;
    static Keycloak keycloak;
    static long started;

    @BeforeAll
    static void start() throws IOException {
        started = System.nanoTime();
        keycloak = Keycloak.shared();
        long dovecotStarted = System.nanoTime();
        dovecot = Dovecot.start(keycloak.dovecotOAuth2());
        System.out.println("Dovecot (oauth2) started in " + millis(dovecotStarted) + " ms");
        dovecot.addUser("alice", ALICE_MAIL_PASSWORD);
        dovecot.deliver("alice", "From: a@example.com\nTo: alice@example.com\nSubject: one\n\nbody 1\n"
                .getBytes(StandardCharsets.US_ASCII));
        dovecot.deliver("alice", "From: a@example.com\nTo: alice@example.com\nSubject: two\n\nbody 2\n"
                .getBytes(StandardCharsets.US_ASCII));
    }

    @AfterAll
    static void timing() {
        System.out.println("KeycloakDovecotIT took " + millis(started) + " ms (Keycloak start "
                + keycloak.startTime().toMillis() + " ms)");
    }

    private static long millis(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    private static Keycloak.Tokens aliceTokens(String scope) {
        return keycloak.passwordGrant(Keycloak.PUBLIC_CLIENT, null, "alice", Keycloak.password("alice"), scope);
    }

    // ------------------------------------------------------------------ SASL against Dovecot

    @Test
    void pop3Xoauth2InTwoStepsThenStat() throws IOException {
        Keycloak.Tokens tokens = aliceTokens("openid");
        JsonNode claims = Keycloak.claims(tokens.accessToken());
        assertTrue(claims.path("aud").toString().contains("\"" + Keycloak.DOVECOT_CLIENT + "\""),
                () -> "dovecot must be in aud: " + claims.path("aud"));
        assertEquals(keycloak.issuer(), claims.path("iss").asText());

        try (Conversation pop3 = Conversation.open(dovecot.pop3Port())) {
            assertTrue(pop3.line().startsWith("+OK"));
            assertTrue(pop3.send("CAPA").lines(".").contains("XOAUTH2"), "CAPA SASL lists XOAUTH2");
            assertEquals("+ ", pop3.send("AUTH XOAUTH2").line());
            assertStartsWith("+OK", pop3.send(xoauth2("alice", tokens.accessToken())).line());
            assertStartsWith("+OK 2 ", pop3.send("STAT").line());
        }
    }

    @Test
    void pop3Oauthbearer() throws IOException {
        Keycloak.Tokens tokens = aliceTokens("openid");
        try (Conversation pop3 = Conversation.open(dovecot.pop3Port())) {
            pop3.line();
            assertEquals("+ ", pop3.send("AUTH OAUTHBEARER").line());
            assertStartsWith("+OK", pop3.send(oauthbearer("alice", dovecot.pop3Port(), tokens.accessToken())).line());
            assertStartsWith("+OK 2 ", pop3.send("STAT").line());
        }
    }

    @Test
    void passwordUsersStillSignInWithUserPass() throws IOException {
        try (Conversation pop3 = Conversation.open(dovecot.pop3Port())) {
            pop3.line();
            assertStartsWith("+OK", pop3.send("USER alice").line());
            assertStartsWith("+OK", pop3.send("PASS " + ALICE_MAIL_PASSWORD).line());
            assertStartsWith("+OK 2 ", pop3.send("STAT").line());
        }
    }

    @Test
    void imapAuthenticateXoauth2() throws IOException {
        Keycloak.Tokens tokens = aliceTokens("openid");
        try (Conversation imap = Conversation.open(dovecot.imapPort())) {
            assertStartsWith("* OK", imap.line());
            assertEquals("+ ", imap.send("a1 AUTHENTICATE XOAUTH2").line());
            assertStartsWith("a1 OK", imap.send(xoauth2("alice", tokens.accessToken())).untilTagged("a1"));
            assertTrue(imap.send("a2 SELECT INBOX").untilTaggedAll("a2").contains("* 2 EXISTS"));
        }
    }

    @Test
    void wrongTokenIsRefusedQuickly() throws IOException {
        String token = aliceTokens("openid").accessToken();
        String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        String bobs = keycloak.passwordGrant(Keycloak.PUBLIC_CLIENT, null, "bob", Keycloak.password("bob"), "openid")
                .accessToken();
        long t0 = System.nanoTime();
        try (Conversation pop3 = Conversation.open(dovecot.pop3Port())) {
            pop3.line();
            pop3.send("AUTH XOAUTH2").line();
            String answer = pop3.send(xoauth2("alice", forged)).line();
            if (answer.startsWith("+ ")) { // XOAUTH2 reports the error as a challenge; the client answers empty
                answer = pop3.send("").line();
            }
            assertStartsWith("-ERR", answer);
            // a valid token of another user must not open alice's mailbox either
            pop3.send("AUTH XOAUTH2").line();
            answer = pop3.send(xoauth2("alice", bobs)).line();
            if (answer.startsWith("+ ")) {
                answer = pop3.send("").line();
            }
            assertStartsWith("-ERR", answer);
        }
        long elapsed = millis(t0);
        assertTrue(elapsed < 2000, "refusals took " + elapsed + " ms");
    }

    @Test
    void shortLivedAccessTokenExpiresAndRefreshes() throws Exception {
        Keycloak.Tokens tokens = keycloak.passwordGrant(Keycloak.SHORT_CLIENT, null, "alice", Keycloak.password("alice"),
                "openid offline_access");
        // Keycloak counts expires_in from its own (second-rounded) clock: 5 or, across a second boundary, 4
        assertTrue(tokens.expiresIn() >= Keycloak.SHORT_TOKEN_SECONDS - 1 && tokens.expiresIn() <= Keycloak.SHORT_TOKEN_SECONDS,
                "expires_in " + tokens.expiresIn());
        assertTrue(pop3Xoauth2Works(tokens.accessToken()));
        Thread.sleep((Keycloak.SHORT_TOKEN_SECONDS + 1) * 1000L);
        assertTrue(!pop3Xoauth2Works(tokens.accessToken()), "Dovecot must refuse the expired access token");
        Keycloak.Tokens refreshed = keycloak.refresh(Keycloak.SHORT_CLIENT, null, tokens.refreshToken()).tokens();
        assertTrue(pop3Xoauth2Works(refreshed.accessToken()));
    }

    // ------------------------------------------------------------------ grants

    @Test
    void deviceFlowWithVerificationUriComplete() throws Exception {
        JsonNode discovery = keycloak.getJson(keycloak.discoveryUrl());
        JsonNode device = deviceAuthorization(discovery, Keycloak.PUBLIC_CLIENT, null);
        Map<String, String> poll = devicePoll(device);

        Keycloak.TokenReply pending = keycloak.token(Keycloak.PUBLIC_CLIENT, null, poll);
        assertEquals(400, pending.status());
        assertEquals("authorization_pending", pending.error());

        keycloak.approveDevice(device.path("verification_uri_complete").asText(), "alice", Keycloak.password("alice"));
        Keycloak.Tokens tokens = pollUntilIssued(Keycloak.PUBLIC_CLIENT, null, poll, device.path("interval").asInt(1));
        assertEquals("Offline", Keycloak.claims(tokens.refreshToken()).path("typ").asText());
        assertTrue(pop3Xoauth2Works(tokens.accessToken()));
    }

    @Test
    void deviceFlowTypingTheUserCodeWithConfidentialClient() throws Exception {
        JsonNode discovery = keycloak.getJson(keycloak.discoveryUrl());
        JsonNode device = deviceAuthorization(discovery, Keycloak.CONFIDENTIAL_CLIENT, Keycloak.CONFIDENTIAL_SECRET);
        keycloak.approveDevice(device.path("verification_uri").asText(), device.path("user_code").asText(), "alice",
                Keycloak.password("alice"));
        Keycloak.Tokens tokens = pollUntilIssued(Keycloak.CONFIDENTIAL_CLIENT, Keycloak.CONFIDENTIAL_SECRET,
                devicePoll(device), device.path("interval").asInt(1));
        assertTrue(pop3Xoauth2Works(tokens.accessToken()));
    }

    private static JsonNode deviceAuthorization(JsonNode discovery, String clientId, String secret) {
        String endpoint = discovery.path("device_authorization_endpoint").asText();
        assertTrue(endpoint.startsWith(keycloak.issuer()), endpoint);
        Map<String, String> form = new LinkedHashMap<>(Map.of("client_id", clientId, "scope", "openid offline_access"));
        if (secret != null) {
            form.put("client_secret", secret);
        }
        HttpResponse<String> response = keycloak.postForm(URI.create(endpoint), form, null);
        assertEquals(200, response.statusCode(), response::body);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> devicePoll(JsonNode device) {
        return Map.of("grant_type", "urn:ietf:params:oauth:grant-type:device_code",
                "device_code", device.path("device_code").asText());
    }

    private static Keycloak.Tokens pollUntilIssued(String clientId, String secret, Map<String, String> poll, int interval)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Keycloak.TokenReply reply = keycloak.token(clientId, secret, poll);
            if (reply.status() == 200) {
                return reply.tokens();
            }
            if (!"authorization_pending".equals(reply.error()) && !"slow_down".equals(reply.error())) {
                return reply.tokens(); // fails with the status and error
            }
            assertTrue(System.nanoTime() < deadline, "no device tokens within 30 s");
            Thread.sleep(interval * 1000L);
        }
    }

    @Test
    void authorizationCodeWithPkceOnAnyLoopbackPort() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/callback", exchange -> {
            received.add(String.valueOf(exchange.getRequestURI().getRawQuery()));
            byte[] page = "signed in".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
        });
        server.start();
        try {
            String redirectUri = "http://127.0.0.1:" + server.getAddress().getPort() + "/callback";
            String authorizationEndpoint = keycloak.getJson(keycloak.discoveryUrl()).path("authorization_endpoint").asText();

            // mailfetch-pkce requires a challenge: Keycloak sends the browser back with an error
            URI refused = keycloak.browserLogin(authorizationEndpoint + "?" + Keycloak.formEncode(Map.of(
                    "response_type", "code", "client_id", Keycloak.PKCE_CLIENT, "redirect_uri", redirectUri,
                    "scope", "openid", "state", "s0")), "alice", Keycloak.password("alice"));
            assertEquals("invalid_request", Keycloak.queryParameters(refused).get("error"));
            received.take();

            // a wrong verifier is refused (and spends the code)
            Pkce pkce = new Pkce();
            String code = login(authorizationEndpoint, Keycloak.PKCE_CLIENT, redirectUri, pkce, received);
            Keycloak.TokenReply wrong = keycloak.token(Keycloak.PKCE_CLIENT, null, Map.of("grant_type",
                    "authorization_code", "code", code, "redirect_uri", redirectUri,
                    "code_verifier", new Pkce().verifier));
            assertEquals(400, wrong.status());
            assertEquals("invalid_grant", wrong.error());

            for (String client : new String[] {Keycloak.PKCE_CLIENT, Keycloak.PUBLIC_CLIENT}) {
                pkce = new Pkce();
                code = login(authorizationEndpoint, client, redirectUri, pkce, received);
                Keycloak.Tokens tokens = keycloak.token(client, null, Map.of("grant_type", "authorization_code",
                        "code", code, "redirect_uri", redirectUri, "code_verifier", pkce.verifier)).tokens();
                assertEquals("Offline", Keycloak.claims(tokens.refreshToken()).path("typ").asText());
                assertTrue(pop3Xoauth2Works(tokens.accessToken()), client);
            }
        } finally {
            server.stop(0);
        }
    }

    /** Signs alice in through the browser pages and returns the code the loopback listener received. */
    private static String login(String authorizationEndpoint, String client, String redirectUri, Pkce pkce,
            BlockingQueue<String> received) throws Exception {
        String state = Long.toHexString(new SecureRandom().nextLong());
        URI landed = keycloak.browserLogin(authorizationEndpoint + "?" + Keycloak.formEncode(new LinkedHashMap<>(Map.of(
                "response_type", "code", "client_id", client, "redirect_uri", redirectUri,
                "scope", "openid offline_access", "state", state,
                "code_challenge", pkce.challenge, "code_challenge_method", "S256"))), "alice", Keycloak.password("alice"));
        Map<String, String> parameters = Keycloak.queryParameters(landed);
        assertEquals(state, parameters.get("state"));
        assertNotNull(parameters.get("code"), () -> "no code, error " + parameters.get("error"));
        assertEquals(landed.getRawQuery(), received.poll(5, TimeUnit.SECONDS), "the loopback listener got the redirect");
        return parameters.get("code");
    }

    private static final class Pkce {
        final String verifier;
        final String challenge;

        Pkce() throws Exception {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    // ------------------------------------------------------------------ revocation, outage

    @Test
    void revokedUserRefreshTokensAnswerInvalidGrant() {
        Keycloak.Tokens offline = aliceTokens("openid offline_access");
        Keycloak.Tokens online = keycloak.passwordGrant(Keycloak.CONFIDENTIAL_CLIENT, Keycloak.CONFIDENTIAL_SECRET, "alice",
                Keycloak.password("alice"), "openid");
        assertEquals("Offline", Keycloak.claims(offline.refreshToken()).path("typ").asText());
        assertEquals(200, keycloak.refresh(Keycloak.PUBLIC_CLIENT, null, offline.refreshToken()).status());

        keycloak.revokeOfflineAndSessions("alice");

        Keycloak.TokenReply offlineReply = keycloak.refresh(Keycloak.PUBLIC_CLIENT, null, offline.refreshToken());
        assertEquals(400, offlineReply.status());
        assertEquals("invalid_grant", offlineReply.error());
        Keycloak.TokenReply onlineReply = keycloak.refresh(Keycloak.CONFIDENTIAL_CLIENT, Keycloak.CONFIDENTIAL_SECRET,
                online.refreshToken());
        assertEquals(400, onlineReply.status());
        assertEquals("invalid_grant", onlineReply.error());
    }

    @Test
    void unreachableIssuerRefusesConnectionsWhileDovecotStillIntrospects() {
        Keycloak.Tokens tokens = aliceTokens("openid offline_access");
        try (Keycloak.Reachability ignored = keycloak.unreachable()) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> keycloak.refresh(Keycloak.PUBLIC_CLIENT, null, tokens.refreshToken()));
            // refused, or (a kept-alive connection the gate cut) closed before the reply: unreachable either way
            assertTrue(e.getCause() instanceof java.io.IOException, () -> "expected no connection: " + e);
            assertTrue(pop3Xoauth2Works(tokens.accessToken()), "Dovecot's introspection bypasses the gate");
        }
        assertEquals(200, keycloak.refresh(Keycloak.PUBLIC_CLIENT, null, tokens.refreshToken()).status());
    }

    // ------------------------------------------------------------------ helpers

    private static boolean pop3Xoauth2Works(String accessToken) {
        try (Conversation pop3 = Conversation.open(dovecot.pop3Port())) {
            pop3.line();
            pop3.send("AUTH XOAUTH2").line();
            String answer = pop3.send(xoauth2("alice", accessToken)).line();
            if (answer.startsWith("+ ")) {
                answer = pop3.send("").line();
            }
            return answer.startsWith("+OK") && pop3.send("STAT").line().startsWith("+OK 2 ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String xoauth2(String user, String token) {
        return base64("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001");
    }

    static String oauthbearer(String user, int port, String token) {
        return base64("n,a=" + user + ",\u0001host=127.0.0.1\u0001port=" + port + "\u0001auth=Bearer " + token
                + "\u0001\u0001");
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertStartsWith(String prefix, String line) {
        assertTrue(line != null && line.startsWith(prefix), () -> "expected " + prefix + "..., got " + line);
    }

    /** A line-based client conversation on a raw socket (lines are never logged: they may carry tokens). */
    private static final class Conversation implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        private Conversation(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            this.out = socket.getOutputStream();
        }

        static Conversation open(int port) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(Dovecot.HOST, port), 2000);
            socket.setSoTimeout(10_000);
            return new Conversation(socket);
        }

        Conversation send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        String line() throws IOException {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
            return line;
        }

        /** Lines up to the terminator line (POP3 multi-line), joined with newlines. */
        String lines(String terminator) throws IOException {
            StringBuilder all = new StringBuilder();
            for (String line = line(); !line.equals(terminator); line = line()) {
                all.append(line).append('\n');
            }
            return all.toString();
        }

        /** The tagged response line of an IMAP command, skipping untagged ones. */
        String untilTagged(String tag) throws IOException {
            for (String line = line(); ; line = line()) {
                if (line.startsWith(tag + " ")) {
                    return line;
                }
            }
        }

        /** Every line up to and including the tagged one. */
        String untilTaggedAll(String tag) throws IOException {
            StringBuilder all = new StringBuilder();
            for (String line = line(); ; line = line()) {
                all.append(line).append('\n');
                if (line.startsWith(tag + " ")) {
                    return all.toString();
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                send("QUIT");
            } catch (IOException ignored) {
                // closing anyway
            }
            socket.close();
        }
    }
}
