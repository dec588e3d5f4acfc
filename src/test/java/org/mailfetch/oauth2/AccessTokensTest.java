package org.mailfetch.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.CredentialUnavailable;
import org.mailfetch.mail.NeedsAuthorization;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.Services;
import org.mailfetch.testsupport.FakeOAuth2Provider;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The access token lifecycle against a provider on a loopback port: what a session logs in with,
 * when a refresh happens, and what a refused refresh token does — to the stored state, the owner's
 * mailbox and the requests the provider sees.
 */
class AccessTokensTest {

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

    private void signedIn(String access, Duration life, Instant obtained) {
        services.tokens().authorized(account.id(), new Tokens(access, life, "rt1"), obtained);
    }

    @Test
    void aFreshTokenIsUsedWithoutAskingTheProvider() throws Exception {
        signedIn("at1", Duration.ofHours(1), Instant.now());
        Credential c = services.credentials().forLogin(account);
        assertEquals("at1", assertInstanceOf(Credential.Bearer.class, c).accessToken());
        assertEquals(List.of("XOAUTH2", "OAUTHBEARER"), ((Credential.Bearer) c).mechanisms());
        assertTrue(provider.tokenRequests().isEmpty());
    }

    @Test
    void aTokenNearItsEndIsRefreshedAndARotatedRefreshTokenKept() throws Exception {
        signedIn("at1", Duration.ofMinutes(60), Instant.now().minus(Duration.ofMinutes(56)));
        provider.tokens("at2", "rt2", 3600);
        assertEquals("at2", ((Credential.Bearer) services.credentials().forLogin(account)).accessToken());
        assertEquals("at2", ((Credential.Bearer) services.credentials().forLogin(account)).accessToken());
        assertEquals(1, provider.tokenRequests().size(), "the refreshed token is stored and reused");
        var form = provider.tokenRequests().get(0);
        assertEquals("refresh_token", form.get("grant_type"));
        assertEquals("rt1", form.get("refresh_token"));
        assertEquals("mailfetch", form.get("client_id"));
        assertEquals("rt2", services.tokens().get(account.id()).orElseThrow().refreshToken());
    }

    @Test
    void aRefusedTokenIsRefreshedOnceEvenBeforeItExpires() throws Exception {
        signedIn("at1", Duration.ofHours(1), Instant.now());
        provider.tokens("at2", null, 3600);
        Credential fresh = services.credentials().afterRefusal(account,
                new Credential.Bearer("at1", List.of("XOAUTH2")));
        assertEquals("at2", ((Credential.Bearer) fresh).accessToken());
        assertEquals("rt1", services.tokens().get(account.id()).orElseThrow().refreshToken(),
                "an answer without a refresh token keeps the old one");
        assertNull(services.credentials().afterRefusal(account, new Credential.Password("x")));
    }

    @Test
    void aRefusedRefreshTokenNeedsAuthorizationTellsTheOwnerOnceAndStopsAsking() throws Exception {
        signedIn("at1", Duration.ofMinutes(5), Instant.now().minus(Duration.ofHours(1)));
        provider.token(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token is not active\"}");
        NeedsAuthorization e = assertThrows(NeedsAuthorization.class, () -> services.credentials().forLogin(account));
        assertTrue(e.getMessage().contains("account authorize " + account.id()), e.getMessage());
        assertEquals(TokenStore.NEEDS_AUTHORIZATION, services.tokens().get(account.id()).orElseThrow().state());
        assertNull(services.tokens().get(account.id()).orElseThrow().refreshToken(), "the refused token is forgotten");
        assertEquals("needs-authorization", new AccountService(services).lastResult(account.id()));

        for (int i = 0; i < 3; i++) {
            assertThrows(NeedsAuthorization.class, () -> services.credentials().forLogin(account));
        }
        assertEquals(1, provider.tokenRequests().size(), "no token request until someone signs in again");
        List<Path> notices = newMail();
        assertEquals(1, notices.size(), "one notice, however often sessions find the grant gone");
        String text = Files.readString(notices.get(0));
        assertTrue(text.contains("Subject: mailfetch: sign in again for account " + account.id()), text);
        assertTrue(text.contains("mailfetch account authorize " + account.id()), text);

        signedIn("at9", Duration.ofHours(1), Instant.now());
        assertEquals("at9", ((Credential.Bearer) services.credentials().forLogin(account)).accessToken());
    }

    @Test
    void aProviderThatFailsIsATemporaryFailureAndKeepsTheGrant() throws Exception {
        signedIn("at1", Duration.ofMinutes(5), Instant.now().minus(Duration.ofHours(1)));
        provider.token(503, "<html>down</html>");
        assertThrows(CredentialUnavailable.class, () -> services.credentials().forLogin(account));
        provider.token(400, "{\"error\":\"invalid_client\"}");
        assertThrows(CredentialUnavailable.class, () -> services.credentials().forLogin(account));
        provider.token(200, "{\"access_token\":\"bad token\\u001b[2J\",\"token_type\":\"Bearer\"}");
        assertThrows(CredentialUnavailable.class, () -> services.credentials().forLogin(account));
        assertEquals(TokenStore.AUTHORIZED, services.tokens().get(account.id()).orElseThrow().state());
        assertTrue(newMail().isEmpty());
        provider.tokens("at2", null, 3600);
        assertEquals("at2", ((Credential.Bearer) services.credentials().forLogin(account)).accessToken());
    }

    @Test
    void anAccountThatWasNeverSignedInNeedsAuthorizationWithoutANotice() throws Exception {
        assertThrows(NeedsAuthorization.class, () -> services.credentials().forLogin(account));
        assertTrue(provider.tokenRequests().isEmpty());
        assertTrue(newMail().isEmpty());
    }

    @Test
    void tokensAreStoredEncrypted() throws Exception {
        signedIn("at-secret-value", Duration.ofHours(1), Instant.now());
        List<String> raw = services.db().query("SELECT access_token_enc, refresh_token_enc FROM oauth2_account",
                rs -> rs.getString(1) + " " + rs.getString(2));
        assertEquals(1, raw.size());
        assertTrue(!raw.get(0).contains("at-secret-value") && !raw.get(0).contains("rt1"), "tokens in clear in the database");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(!content.contains("at-secret-value"), "token in clear in " + f);
            }
        }
    }

    private List<Path> newMail() throws Exception {
        Path inbox = dir.resolve("mailboxes/example.com/alice/new");
        if (!Files.isDirectory(inbox)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(inbox)) {
            return s.toList();
        }
    }
}
