package org.mailfetch.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.Services;
import org.mailfetch.testsupport.FakeOAuth2Provider;
import org.mailfetch.testsupport.MailfetchFixture;

/** The device flow and the code + PKCE flow against a provider on a loopback port; Keycloak's ITs do it for real. */
class SignInTest {

    @TempDir
    Path dir;
    private MailfetchFixture fixture;
    private FakeOAuth2Provider provider;
    private Services services;
    private Account account;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new MailfetchFixture(dir);
        services = fixture.services();
        provider = new FakeOAuth2Provider();
        account = new AccountService(services).add(new AccountChange().owner(MailfetchFixture.OWNER).name("oauth")
                .host("127.0.0.1").user("alice").oauth2("issuer:" + provider.issuer()).oauth2ClientId("mailfetch"));
    }

    @AfterEach
    void tearDown() {
        provider.close();
        fixture.close();
    }

    /** What a listener was shown. */
    private static final class Shown implements SignInListener {
        URI verification;
        String code;
        URI complete;
        final CompletableFuture<URI> url = new CompletableFuture<>();

        @Override
        public void deviceCode(URI verificationUri, String userCode, URI verificationUriComplete, Duration expiresIn) {
            verification = verificationUri;
            code = userCode;
            complete = verificationUriComplete;
        }

        @Override
        public void authorizationUrl(URI u) {
            url.complete(u);
        }
    }

    private void deviceAnswer(String verificationUri, String userCode) {
        provider.device(200, "{\"device_code\":\"dc1\",\"user_code\":\"" + userCode + "\",\"verification_uri\":\""
                + verificationUri + "\",\"verification_uri_complete\":\"" + verificationUri + "?code=" + userCode
                + "\",\"expires_in\":60,\"interval\":1}");
    }

    @Test
    void deviceFlowShowsTheCodePollsAndStoresTheTokens() throws Exception {
        deviceAnswer("https://login.example.com/device", "WDJB-MJHT");
        provider.token(400, "{\"error\":\"authorization_pending\"}").tokens("at1", "rt1", 300);
        Shown shown = new Shown();
        services.signIn().device(account.id(), shown);
        assertEquals(URI.create("https://login.example.com/device"), shown.verification);
        assertEquals("WDJB-MJHT", shown.code);
        assertEquals(URI.create("https://login.example.com/device?code=WDJB-MJHT"), shown.complete);
        assertEquals(2, provider.tokenRequests().size());
        assertEquals("urn:ietf:params:oauth:grant-type:device_code", provider.tokenRequests().get(1).get("grant_type"));
        assertEquals("dc1", provider.tokenRequests().get(1).get("device_code"));
        TokenStore.Grant g = services.tokens().get(account.id()).orElseThrow();
        assertEquals(TokenStore.AUTHORIZED, g.state());
        assertEquals("rt1", g.refreshToken());
    }

    @Test
    void deviceFlowDeniedOrExpiredEndsWithTheReason() throws Exception {
        deviceAnswer("https://login.example.com/device", "ABCD");
        provider.token(400, "{\"error\":\"access_denied\"}");
        SignInFailed denied = assertThrows(SignInFailed.class, () -> services.signIn().device(account.id(), new Shown()));
        assertEquals(SignInFailed.Reason.DENIED, denied.reason());
        deviceAnswer("https://login.example.com/device", "ABCD");
        provider.token(400, "{\"error\":\"expired_token\"}");
        SignInFailed expired = assertThrows(SignInFailed.class, () -> services.signIn().device(account.id(), new Shown()));
        assertEquals(SignInFailed.Reason.EXPIRED, expired.reason());
        assertEquals("unauthorized", services.tokens().get(account.id()).orElseThrow().state());
    }

    @Test
    void aHostileProviderCannotShowPlainHttpLinksOrTerminalEscapes() throws Exception {
        deviceAnswer("http://evil.example.com/device", "ABCD");
        Shown shown = new Shown();
        SignInFailed http = assertThrows(SignInFailed.class, () -> services.signIn().device(account.id(), shown));
        assertEquals(SignInFailed.Reason.REFUSED, http.reason());
        deviceAnswer("https://login.example.com/device", "AB\\u001b[2JCD");
        assertThrows(SignInFailed.class, () -> services.signIn().device(account.id(), shown));
        assertNull(shown.code, "nothing was shown");
        assertTrue(provider.tokenRequests().isEmpty());
    }

    @Test
    void browserFlowTakesTheCodeFromTheLoopbackRedirectWithPkce() throws Exception {
        provider.tokens("at1", "rt1", 300);
        Shown shown = new Shown();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                services.signIn().browser(account.id(), shown, Duration.ofSeconds(30));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        URI url = shown.url.get(10, TimeUnit.SECONDS);
        Map<String, String> q = query(url.getRawQuery());
        assertTrue(url.toString().startsWith(provider.issuer() + "/auth?"), url.toString());
        assertEquals("code", q.get("response_type"));
        assertEquals("S256", q.get("code_challenge_method"));
        assertEquals("alice", q.get("login_hint"));
        String redirect = q.get("redirect_uri");
        assertTrue(redirect.startsWith("http://127.0.0.1:"), redirect);

        HttpClient browser = HttpClient.newHttpClient();
        HttpResponse<String> forged = browser.send(HttpRequest.newBuilder(URI.create(redirect + "?code=evil&state=wrong"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, forged.statusCode(), "a redirect without our state is turned away");
        HttpResponse<String> real = browser.send(HttpRequest.newBuilder(URI.create(redirect + "?code=c0de&state="
                + q.get("state"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, real.statusCode());
        done.get(10, TimeUnit.SECONDS);

        Map<String, String> exchange = provider.tokenRequests().get(0);
        assertEquals("authorization_code", exchange.get("grant_type"));
        assertEquals("c0de", exchange.get("code"));
        assertEquals(redirect, exchange.get("redirect_uri"));
        String verifier = exchange.get("code_verifier");
        assertNotNull(verifier);
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        assertEquals(q.get("code_challenge"), challenge);
        assertEquals(TokenStore.AUTHORIZED, services.tokens().get(account.id()).orElseThrow().state());
    }

    @Test
    void aPasswordAccountCannotSignIn() throws Exception {
        provider.close();
        Account pw = new AccountService(services).add(new AccountChange().owner(MailfetchFixture.OWNER).name("pw")
                .host("127.0.0.1").user("bob").password("secret"));
        SignInFailed e = assertThrows(SignInFailed.class, () -> services.signIn().device(pw.id(), new Shown()));
        assertEquals(SignInFailed.Reason.NOT_CONFIGURED, e.reason());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }
}
