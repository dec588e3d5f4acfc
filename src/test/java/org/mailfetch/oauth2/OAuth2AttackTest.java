package org.mailfetch.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.Services;
import org.mailfetch.store.InvalidValue;
import org.mailfetch.testsupport.FakeOAuth2Provider;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * Attacks on the OAuth2 sign-in core: each test states what the product rules demand and fails
 * while the code does not hold to it. See the review report for the findings they prove.
 */
class OAuth2AttackTest {

    @TempDir
    Path dir;
    private MailfetchFixture fixture;
    private Services services;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp() {
        Properties p = new Properties();
        p.setProperty("mailfetch.oauth2.timeout", "1s");
        fixture = new MailfetchFixture(dir, p);
        services = fixture.services();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        fixture.close();
    }

    private Account oauth2Account(String issuer, String clientSecret) {
        AccountChange change = new AccountChange().owner(MailfetchFixture.OWNER).name("oauth").host("127.0.0.1")
                .user("alice").oauth2("issuer:" + issuer).oauth2ClientId("mailfetch");
        if (clientSecret != null) {
            change.oauth2ClientSecret(clientSecret);
        }
        return new AccountService(services).add(change);
    }

    /** A provider whose token endpoint runs the test's handler: form in, (status, json) out. */
    private static final class ScriptedProvider implements AutoCloseable {
        final HttpServer server;
        volatile Function<Map<String, String>, FakeOAuth2Provider.Answer> token;

        ScriptedProvider() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/realm/.well-known/openid-configuration", ex -> send(ex, 200,
                    "{\"issuer\":\"%1$s\",\"token_endpoint\":\"%1$s/token\",\"authorization_endpoint\":\"%1$s/auth\"}"
                            .formatted(issuer())));
            server.createContext("/realm/token", ex -> {
                FakeOAuth2Provider.Answer a = token.apply(form(ex));
                send(ex, a.status(), a.json());
            });
            server.start();
        }

        String issuer() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/realm";
        }

        @Override
        public void close() {
            server.stop(0);
        }
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

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        ex.close();
    }

    // ---------------------------------------------------------------- finding 1: no total deadline

    /**
     * A token endpoint that sends its headers at once and then one byte every 300 ms never trips the
     * request timeout (HttpRequest.timeout only covers the headers): the session thread, its permit,
     * its lease and the account's refresh lock are held for as long as the provider likes.
     */
    @Test
    void aTokenEndpointDrippingItsBodyIsCutOffByADeadline() throws Exception {
        HttpServer drip = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        drip.createContext("/token", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0); // chunked, endless
            try (OutputStream out = ex.getResponseBody()) {
                out.write('{');
                for (int i = 0; i < 100; i++) {
                    out.write(' ');
                    out.flush();
                    Thread.sleep(300);
                }
            } catch (IOException | InterruptedException gone) {
                // the client hung up: good
            }
        });
        drip.start();
        closing.add(() -> drip.stop(0));
        OAuth2Http http = new OAuth2Http(Duration.ofSeconds(1));
        URI endpoint = URI.create("http://127.0.0.1:" + drip.getAddress().getPort() + "/token");
        assertTimeoutPreemptively(Duration.ofSeconds(6),
                () -> assertThrows(IOException.class, () -> http.post(endpoint, Map.of("grant_type", "refresh_token"))),
                "a 1 s OAuth2 timeout must bound the whole answer, not only its headers");
    }

    // ---------------------------------------------------------------- finding 2: stale refresh wins

    /**
     * The owner signs in again (CLI, or the web page) while the service's refresh with the old,
     * revoked refresh token is in flight. The provider refuses the old one with invalid_grant, and
     * TokenStore.lost() — conditional on state only — wipes the brand new tokens and sends a notice.
     */
    @Test
    void aRefusedStaleRefreshTokenDoesNotWipeANewerSignIn() throws Exception {
        ScriptedProvider p = new ScriptedProvider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        services.tokens().authorized(account.id(), new Tokens("at1", Duration.ofHours(1), "rt1"),
                Instant.now().minus(Duration.ofHours(2)));
        p.token = form -> {
            // meanwhile, the other process completes a sign-in
            services.tokens().authorized(account.id(), new Tokens("atNEW", Duration.ofHours(1), "rtNEW"), Instant.now());
            return new FakeOAuth2Provider.Answer(400, "{\"error\":\"invalid_grant\"}");
        };
        try {
            services.credentials().forLogin(account);
        } catch (IOException expected) {
            // the stale refresh fails: fine
        }
        TokenStore.Grant g = services.tokens().get(account.id()).orElseThrow();
        assertEquals(TokenStore.AUTHORIZED, g.state(), "the newer sign-in must survive a stale invalid_grant");
        assertEquals("rtNEW", g.refreshToken());
    }

    /**
     * Two processes refresh with rt1 at once (the in-process lock does not span processes). The
     * first gets a rotated rt2 and stores it; the second's answer carries no refresh token, so
     * TokenStore.refreshed() writes back the used rt1 — which the provider has just invalidated.
     */
    @Test
    void aStaleRefreshDoesNotOverwriteARotatedRefreshToken() throws Exception {
        ScriptedProvider p = new ScriptedProvider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        services.tokens().authorized(account.id(), new Tokens("at1", Duration.ofHours(1), "rt1"),
                Instant.now().minus(Duration.ofHours(2)));
        p.token = form -> {
            // the other process's refresh of rt1 finished first and rotated it
            services.tokens().refreshed(services.tokens().get(account.id()).orElseThrow(),
                    new Tokens("atB", Duration.ofHours(1), "rt2"), Instant.now());
            return new FakeOAuth2Provider.Answer(200,
                    "{\"access_token\":\"atA\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
        };
        services.credentials().forLogin(account);
        assertEquals("rt2", services.tokens().get(account.id()).orElseThrow().refreshToken(),
                "the rotated refresh token must not be replaced by the one it superseded");
    }

    // ---------------------------------------------------------------- finding 3: secret to new provider

    /**
     * Pointing an account at another provider keeps the stored client secret (a null secretChange
     * "keeps" it): the next sign-in posts the secret issued by provider A to provider B's token
     * endpoint. Passwords are refused in the same situation (AccountStore.update).
     */
    @Test
    void changingTheProviderDoesNotSendTheStoredClientSecretToTheNewOne() throws Exception {
        FakeOAuth2Provider a = new FakeOAuth2Provider();
        FakeOAuth2Provider b = new FakeOAuth2Provider();
        closing.add(a);
        closing.add(b);
        Account account = oauth2Account(a.issuer(), "secret-of-provider-A");
        new AccountService(services).update(account.id(), new AccountChange().oauth2("issuer:" + b.issuer())
                .oauth2ClientId("mailfetch-at-b"));
        b.device(200, "{\"device_code\":\"dc\",\"user_code\":\"ABCD-EFGH\",\"verification_uri\":\"" + b.issuer()
                + "/activate\",\"expires_in\":60,\"interval\":1}");
        b.tokens("atB", "rtB", 3600);
        try {
            services.signIn().device(account.id(), new SignInListener() {
                @Override
                public void deviceCode(URI v, String c, URI complete, Duration e) {
                }

                @Override
                public void authorizationUrl(URI url) {
                }
            });
        } catch (SignInFailed ignored) {
            // whether it succeeds does not matter: what B was sent does
        }
        for (Map<String, String> form : b.tokenRequests()) {
            assertFalse("secret-of-provider-A".equals(form.get("client_secret")),
                    "provider B was sent provider A's client secret");
        }
        assertFalse(b.tokenRequests().isEmpty(), "the sign-in reached provider B");
    }

    // ---------------------------------------------------------------- finding 4: loopback redirect DoS

    /**
     * The loopback redirect server runs on HttpServer's default executor: the dispatcher thread
     * itself reads each request. Any local user who connects and sends half a request line blocks it,
     * and the browser's real redirect is never answered; the sign-in times out.
     */
    @Test
    void aSilentLocalConnectionDoesNotBlockTheLoopbackRedirect() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        p.tokens("at1", "rt1", 3600);
        CompletableFuture<URI> shown = new CompletableFuture<>();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                services.signIn().browser(account.id(), new SignInListener() {
                    @Override
                    public void deviceCode(URI v, String c, URI complete, Duration e) {
                    }

                    @Override
                    public void authorizationUrl(URI url) {
                        shown.complete(url);
                    }
                }, Duration.ofSeconds(8));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Map<String, String> q = new HashMap<>();
        for (String pair : shown.get(5, TimeUnit.SECONDS).getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        URI redirect = URI.create(q.get("redirect_uri").replace("localhost", "127.0.0.1"));
        try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), redirect.getPort())) {
            idle.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)); // and nothing more
            idle.getOutputStream().flush();
            Thread.sleep(200);
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(redirect + "?code=c1&state=" + q.get("state"))).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode());
        } finally {
            try {
                done.get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the assertion above
            }
        }
    }

    // ---------------------------------------------------------------- finding 5: SMTP route and tokens

    /**
     * An SMTP route may name any OAuth2 account's token — whoever owns it — for any host and any SMTP
     * user: nothing ties the route to the account (its user, its owner's domain, its provider's SMTP
     * server). Once the relay uses the link, alice's access token (good for her mailbox at the
     * provider) is presented to mx.attacker.example, which can replay it at the provider. The
     * account's own host change drops its tokens (AccountStore); the route is a way around that.
     */
    @Test
    void anSmtpRouteCannotSendAnotherAccountsTokenToAnyHost() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        assertThrows(InvalidValue.class, () -> new org.mailfetch.service.RouteService(services).add("elsewhere.example",
                "mx.attacker.example", 465, true, "mallory@attacker.example", null, account.id()));
    }

    // ---------------------------------------------------------------- finding 6: https issuer, http endpoint

    /**
     * An https issuer's discovery document names a plain-http token endpoint on localhost. checkUrl
     * allows loopback http for every URL, whatever the issuer's scheme: the refresh token and the
     * client secret then go in clear text to whatever local process listens on that port (any local
     * user can bind it), or to a local service the provider wants to poke (SSRF with our secrets).
     */
    @Test
    void anHttpsIssuerCannotDowngradeTheTokenEndpointToLoopbackHttp() throws Exception {
        Path ks = dir.resolve("tls.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "idp", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0,
                new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(store, "changeit".toCharArray());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(store);
        javax.net.ssl.SSLContext serverTls = javax.net.ssl.SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        javax.net.ssl.SSLContext clientTls = javax.net.ssl.SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        List<Map<String, String>> leaked = new ArrayList<>();
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        plain.createContext("/token", ex -> {
            synchronized (leaked) {
                leaked.add(form(ex));
            }
            send(ex, 400, "{\"error\":\"invalid_request\"}");
        });
        plain.start();
        closing.add(() -> plain.stop(0));
        com.sun.net.httpserver.HttpsServer idp = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        idp.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(serverTls));
        String issuer = "https://127.0.0.1:" + idp.getAddress().getPort() + "/realm";
        idp.createContext("/realm/.well-known/openid-configuration", ex -> send(ex, 200,
                "{\"issuer\":\"" + issuer + "\",\"token_endpoint\":\"http://localhost:" + plain.getAddress().getPort()
                        + "/token\"}"));
        idp.start();
        closing.add(() -> idp.stop(0));

        Account account = oauth2Account(issuer, "client-secret-XYZ");
        services.tokens().authorized(account.id(), new Tokens("at1", Duration.ofHours(1), "refresh-XYZ"),
                Instant.now().minus(Duration.ofHours(2)));
        javax.net.ssl.SSLContext before = javax.net.ssl.SSLContext.getDefault();
        OAuth2Http http;
        try {
            javax.net.ssl.SSLContext.setDefault(clientTls); // OAuth2Http's client takes the default context
            http = new OAuth2Http(Duration.ofSeconds(2));
        } finally {
            javax.net.ssl.SSLContext.setDefault(before);
        }
        Providers providers = new Providers(services.settings(), services.accounts().oauth2(), http,
                java.time.Clock.systemUTC());
        AccessTokens tokens = new AccessTokens(services.accounts(), services.tokens(), providers, http,
                List.of("XOAUTH2"), java.time.Clock.systemUTC(), (a, why) -> { });
        try {
            tokens.forLogin(account);
        } catch (IOException refused) {
            // what matters is what the plain listener got
        }
        synchronized (leaked) {
            assertTrue(leaked.isEmpty(), "sent in clear text to a loopback port: " + leaked);
        }
    }

    // ---------------------------------------------------------------- finding 7: terminal/bidi via URLs

    private static final SignInListener SILENT = new SignInListener() {
        @Override
        public void deviceCode(URI v, String c, URI complete, Duration e) {
        }

        @Override
        public void authorizationUrl(URI url) {
        }
    };

    /**
     * SignInListener promises "every value was checked"; checkUrl only refuses ASCII controls, so a
     * verification_uri with a right-to-left override (U+202E) reaches the listener (and the
     * operator's terminal or web page) unescaped and reorders what they read.
     */
    @Test
    void aVerificationUriWithABidiOverrideIsNotShown() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        p.device(200, "{\"device_code\":\"dc\",\"user_code\":\"ABCD\",\"verification_uri\":\"https://evil.example/"
                + "\u202Emoc.elgoog.stnuocca//:sptth\",\"expires_in\":2,\"interval\":1}");
        List<String> shown = new ArrayList<>();
        try {
            services.signIn().device(account.id(), new SignInListener() {
                @Override
                public void deviceCode(URI v, String c, URI complete, Duration e) {
                    shown.add(v.toString());
                }

                @Override
                public void authorizationUrl(URI url) {
                }
            });
        } catch (SignInFailed expected) {
            // refused, or expired after being shown
        }
        for (String s : shown) {
            assertFalse(org.mailfetch.mail.Printable.hasControl(s), "shown to the user: " + s);
        }
    }

    /**
     * A refused URL is quoted in the failure message through OAuth2Options.printable, which replaces
     * only ASCII controls (\\p{Cntrl}): a C1 CSI (U+009B) or a bidi override from the provider goes raw
     * into the SignInFailed message the CLI prints (and, for discovery, into logs and lastError).
     */
    @Test
    void aRefusedUrlIsNotQuotedRawInTheFailure() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        p.device(200, "{\"device_code\":\"dc\",\"user_code\":\"ABCD\",\"verification_uri\":\"https://evil.example/"
                + "\u009b2J\u009b31mpwned\"}");
        SignInFailed f = assertThrows(SignInFailed.class, () -> services.signIn().device(account.id(), SILENT));
        assertFalse(org.mailfetch.mail.Printable.hasControl(f.getMessage()), "the message holds raw controls: "
                + org.mailfetch.mail.Printable.of(f.getMessage()));
    }

    // ---------------------------------------------------------------- finding 8: column size

    /**
     * The client secret is not length-checked; its encrypted form (v1: + base64 of IV, text, tag)
     * outgrows client_secret_enc VARCHAR(4000) from about 2,980 characters, and the add fails with a
     * database error (StoreException, its message quoting the column and the stored ciphertext)
     * instead of an InvalidValue naming the field.
     */
    @Test
    void aLongClientSecretIsRefusedAsInvalidInput() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        RuntimeException e = assertThrows(RuntimeException.class, () -> oauth2Account(p.issuer(), "s".repeat(3500)));
        assertInstanceOf(InvalidValue.class, e, e.getClass() + ": " + e.getMessage());
    }

    // ---------------------------------------------------------------- finding 9: preset token to any host

    /**
     * A gmail account's access token has scope https://mail.google.com/ (the whole mailbox), yet the
     * account may point at any mail server: the admin input (REST, CLI) sets host
     * imap.attacker.example, the owner signs in at Google (the consent screen cannot show where the
     * token will go), and the next session sends the token there by XOAUTH2. presetHost() is only a
     * default for new accounts, and a later host change merely drops the tokens until the next sign-in.
     */
    @Test
    void aGmailTokenIsOnlySentToGoogle() {
        assertThrows(InvalidValue.class, () -> new AccountService(services).add(new AccountChange()
                .owner(MailfetchFixture.OWNER).name("g").protocol("imap").host("imap.attacker.example").user("alice@gmail.com")
                .oauth2("gmail").oauth2ClientId("cid")));
    }

    // ---------------------------------------------------------------- held (regression guards)

    /**
     * Two processes over one database: A's refresh is refused (invalid_grant) and A is still telling
     * the owner when B logs in, sees needs-authorization without notice_sent_at and tells again.
     * AccessTokens calls GrantLost twice; the owner still gets one message only because Services
     * names the notice file after the loss (same base name). Held at the mailbox, fragile in the code.
     */
    @Test
    void heldTwoProcessesLosingOneGrantLeaveOneNotice() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        services.tokens().authorized(account.id(), new Tokens("at1", Duration.ofHours(1), "rt1"),
                Instant.now().minus(Duration.ofHours(2)));
        p.token(400, "{\"error\":\"invalid_grant\"}");
        org.mailfetch.delivery.OwnerNotice notice = new org.mailfetch.delivery.OwnerNotice(services.settings());
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch bDone = new java.util.concurrent.CountDownLatch(1);
        AccessTokens.GrantLost deliver = (a, why) -> {
            calls.incrementAndGet();
            notice.deliverText(a.ownerAddress(), "mailfetch.oauth2-lost." + a.id() + "." + Integer.toHexString(why.hashCode()),
                    "mailfetch: sign in again", why, Instant.now());
        };
        OAuth2Http http = new OAuth2Http(Duration.ofSeconds(2));
        Providers providers = new Providers(services.settings(), services.accounts().oauth2(), http,
                java.time.Clock.systemUTC());
        AccessTokens a = new AccessTokens(services.accounts(), services.tokens(), providers, http, List.of("XOAUTH2"),
                java.time.Clock.systemUTC(), (acc, why) -> {
                    try {
                        bDone.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    deliver.lost(acc, why);
                });
        AccessTokens b = new AccessTokens(services.accounts(), services.tokens(), providers, http, List.of("XOAUTH2"),
                java.time.Clock.systemUTC(), deliver);
        CompletableFuture<Void> inA = CompletableFuture.runAsync(() -> assertThrows(
                org.mailfetch.mail.NeedsAuthorization.class, () -> a.forLogin(account)));
        for (int i = 0; i < 100 && !TokenStore.NEEDS_AUTHORIZATION.equals(services.tokens().get(account.id())
                .orElseThrow().state()); i++) {
            Thread.sleep(20);
        }
        assertThrows(org.mailfetch.mail.NeedsAuthorization.class, () -> b.forLogin(account));
        bDone.countDown();
        inA.get(10, TimeUnit.SECONDS);
        assertEquals(1, fixture.delivered().size(), "messages in the owner's mailbox");
        assertEquals(1, p.tokenRequests().size());
        System.out.println("GrantLost calls: " + calls.get());
    }

    @Test
    void heldNoSecretInLogs() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        root.addAppender(lines);
        try {
            FakeOAuth2Provider p = new FakeOAuth2Provider();
            closing.add(p);
            Account account = oauth2Account(p.issuer(), "client-secret-XYZ");
            p.device(200, "{\"device_code\":\"device-code-XYZ\",\"user_code\":\"ABCD\",\"verification_uri\":\""
                    + p.issuer() + "/go\",\"expires_in\":60,\"interval\":1}");
            p.token(500, "{}").tokens("access-XYZ1", "refresh-XYZ1", 1);
            services.signIn().device(account.id(), SILENT);
            Thread.sleep(1100);
            p.tokens("access-XYZ2", "refresh-XYZ2", 3600);
            services.credentials().forLogin(account);
            services.tokens().authorized(account.id(), new Tokens("access-XYZ3", Duration.ofSeconds(1), "refresh-XYZ3"),
                    Instant.now().minusSeconds(10));
            p.token(400, "{\"error\":\"invalid_grant\",\"error_description\":\"no\"}");
            assertThrows(IOException.class, () -> services.credentials().forLogin(account));
        } finally {
            root.detachAppender(lines);
        }
        StringBuilder all = new StringBuilder();
        for (var e : lines.list) {
            all.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                all.append(e.getThrowableProxy().getMessage()).append('\n');
            }
        }
        for (String secret : List.of("client-secret-XYZ", "device-code-XYZ", "access-XYZ", "refresh-XYZ")) {
            assertFalse(all.toString().contains(secret), all.toString());
        }
    }

    @Test
    void heldRedirectOfTheTokenEndpointIsNotFollowed() throws Exception {
        List<String> hits = new ArrayList<>();
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        s.createContext("/token", ex -> {
            ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + s.getAddress().getPort() + "/stolen");
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        s.createContext("/stolen", ex -> {
            synchronized (hits) {
                hits.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            }
            send(ex, 200, "{}");
        });
        s.start();
        closing.add(() -> s.stop(0));
        OAuth2Http http = new OAuth2Http(Duration.ofSeconds(1));
        assertThrows(IOException.class, () -> http.post(URI.create("http://127.0.0.1:" + s.getAddress().getPort()
                + "/token"), Map.of("refresh_token", "rt-secret")));
        synchronized (hits) {
            assertTrue(hits.isEmpty());
        }
    }

    @Test
    void heldAnEndlessBodyIsCutAtTheLimit() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        s.createContext("/token", ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 10_000; i++) {
                    out.write(chunk);
                }
            } catch (IOException gone) {
                // cut off
            }
        });
        s.start();
        closing.add(() -> s.stop(0));
        OAuth2Http http = new OAuth2Http(Duration.ofSeconds(1));
        IOException e = assertThrows(IOException.class, () -> http.post(URI.create("http://127.0.0.1:"
                + s.getAddress().getPort() + "/token"), Map.of()));
        assertTrue(e.getMessage().contains("more than"), e.getMessage());
    }

    @Test
    void heldHostileTokenAnswersAreRefused() {
        for (String access : List.of("a b", "a\r\nA1 LOGOUT", "a\u0001b", "x".repeat(Tokens.MAX_TOKEN + 1), "")) {
            String json = "{\"access_token\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(access)
                    + ",\"refresh_token\":\"r\",\"token_type\":\"Bearer\"}";
            assertThrows(IOException.class, () -> Tokens.from(new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(json)), access);
        }
        assertThrows(IOException.class, () -> Tokens.from(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"access_token\":\"a\",\"refresh_token\":\"r\\u001b[2J\"}")));
        assertThrows(IOException.class, () -> Tokens.from(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"access_token\":\"a\",\"expires_in\":\"soon\"}")));
    }

    @Test
    void heldHostileDeviceAnswersAreRefused() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        SignInListener none = new SignInListener() {
            @Override
            public void deviceCode(URI v, String c, URI complete, Duration e) {
                throw new AssertionError("shown: " + v + " " + c);
            }

            @Override
            public void authorizationUrl(URI url) {
            }
        };
        for (String[] bad : new String[][] {
                {"https://good.example@evil.example/", "ABCD"},
                {"http://evil.example/", "ABCD"},
                {"javascript:alert(1)", "ABCD"},
                {"https://evil.example/\u001b]8;;x\u0007", "ABCD"},
                {"https://evil.example/", "AB\u001b[2JCD"},
                {"https://evil.example/", "A".repeat(65)}}) {
            p.device(200, "{\"device_code\":\"dc\",\"user_code\":" + com.fasterxml.jackson.databind.node.TextNode
                    .valueOf(bad[1]) + ",\"verification_uri\":" + com.fasterxml.jackson.databind.node.TextNode
                    .valueOf(bad[0]) + "}");
            SignInFailed f = assertThrows(SignInFailed.class, () -> services.signIn().device(account.id(), none));
            assertEquals(SignInFailed.Reason.REFUSED, f.reason(), f.getMessage());
        }
    }

    @Test
    void heldNeedsAuthorizationAsksNobody() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), null);
        services.tokens().authorized(account.id(), new Tokens("at1", Duration.ofHours(1), "rt1"),
                Instant.now().minus(Duration.ofHours(2)));
        p.token(400, "{\"error\":\"invalid_grant\"}");
        assertThrows(org.mailfetch.mail.NeedsAuthorization.class, () -> services.credentials().forLogin(account));
        assertThrows(org.mailfetch.mail.NeedsAuthorization.class, () -> services.credentials().forLogin(account));
        assertThrows(org.mailfetch.mail.NeedsAuthorization.class, () -> services.credentials().afterRefusal(account,
                new Credential.Bearer("at1", List.of("XOAUTH2"))));
        assertEquals(1, p.tokenRequests().size());
        assertInstanceOf(TokenStore.Grant.class, services.tokens().get(account.id()).orElseThrow());
        assertEquals(TokenStore.NEEDS_AUTHORIZATION, services.tokens().get(account.id()).orElseThrow().state());
    }

    @Test
    void heldAViewShowsNoSecretOrToken() throws Exception {
        FakeOAuth2Provider p = new FakeOAuth2Provider();
        closing.add(p);
        Account account = oauth2Account(p.issuer(), "client-secret-XYZ");
        services.tokens().authorized(account.id(), new Tokens("access-XYZ", Duration.ofHours(1), "refresh-XYZ"),
                Instant.now());
        AccountService s = new AccountService(services);
        String shown = s.view(account).toString() + s.statusView(account.id()) + services.tokens().get(account.id())
                .orElseThrow() + services.accounts().oauth2().get(account.id()).orElseThrow();
        for (String secret : List.of("client-secret-XYZ", "access-XYZ", "refresh-XYZ")) {
            assertFalse(shown.contains(secret), shown);
        }
    }
}
