package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.AdminClient;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.FakeOAuth2Provider;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * OAuth2 accounts over the REST API (what the web page calls): create and update with the oauth2
 * fields, the client secret never in any response, switching between a password and OAuth2, an
 * edited GET sent back; needs-authorization shown as the last result; and POST/GET
 * /api/accounts/{id}/authorize — the device flow and the browser flow against a fake provider,
 * one pending sign-in per account, bad input and CSRF refused like every other change.
 */
class OAuth2AccountApiTest {

    private static final String ADMIN_PASSWORD = "admin-Pa55word";
    private static final String CLIENT_SECRET = "client-s3cret-XYZ";
    private static final String PASSWORD = "pop-s3cret-Pw";

    @TempDir
    Path dataDir;

    private FakeOAuth2Provider idp;
    private MailfetchFixture fixture;
    private FetchEngine service;
    private AdminClient admin;

    @BeforeEach
    void setUp() throws Exception {
        idp = new FakeOAuth2Provider();
        fixture = new MailfetchFixture(dataDir);
        new AdminPassword(fixture.services().db()).set(ADMIN_PASSWORD);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();
        admin = new AdminClient(AdminHttp.port(service.camel()), "admin", ADMIN_PASSWORD);
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
        idp.close();
    }

    private Map<String, Object> oauth2Account(Object... more) {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("owner", MailfetchFixture.OWNER, "name", "alice at idp",
                "protocol", "imap", "host", "imap.example.net", "user", "alice@example.net",
                "oauth2", "issuer:" + idp.issuer(), "oauth2ClientId", "test-client", "oauth2ClientSecret", CLIENT_SECRET));
        for (int i = 0; i + 1 < more.length; i += 2) {
            m.put((String) more[i], more[i + 1]);
        }
        return m;
    }

    private HttpResponse<String> send(String method, String path, Object body) throws Exception {
        HttpResponse<String> r = admin.send(method, path, body == null ? null
                : body instanceof String s ? s : AdminClient.JSON.writeValueAsString(body));
        for (String secret : List.of(CLIENT_SECRET, PASSWORD, FakeOAuth2Provider.ACCESS_TOKEN, FakeOAuth2Provider.REFRESH_TOKEN,
                FakeOAuth2Provider.DEVICE_CODE, FakeOAuth2Provider.AUTH_CODE)) {
            assertFalse(r.body().contains(secret), "a secret in: " + r.body());
        }
        return r;
    }

    private JsonNode ok(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        return AdminClient.json(r);
    }

    @Test
    void anOAuth2AccountShouldBeCreatedAndSwitchedWithoutEverShowingTheSecret() throws Exception {
        JsonNode a = ok(201, send("POST", "/api/accounts", oauth2Account("oauth2Scope", "mail offline_access")));
        long id = a.get("id").asLong();
        assertEquals("oauth2", a.get("auth").asText(), a.toString());
        assertEquals("issuer:" + idp.issuer(), a.get("oauth2").get("provider").asText());
        assertEquals("mail offline_access", a.get("oauth2").get("scope").asText());
        assertFalse(a.has("oauth2ClientSecret") || a.has("password"), a.toString());

        // a GET sent back edited: auth and the oauth2 object are read-only, nothing changes sign-in
        ObjectNode got = (ObjectNode) ok(200, send("GET", "/api/accounts/" + id, null));
        got.put("name", "edited");
        JsonNode edited = ok(200, send("PUT", "/api/accounts/" + id, got.toString()));
        assertEquals("edited", edited.get("name").asText());
        assertEquals("oauth2", edited.get("auth").asText());

        JsonNode pw = ok(200, send("PUT", "/api/accounts/" + id, Map.of("password", PASSWORD)));
        assertEquals("password", pw.get("auth").asText(), pw.toString());
        JsonNode back = ok(200, send("PUT", "/api/accounts/" + id, Map.of("oauth2", "issuer:" + idp.issuer(),
                "oauth2ClientSecret", CLIENT_SECRET)));
        assertEquals("oauth2", back.get("auth").asText(), back.toString());
        ok(200, send("GET", "/api/accounts", null));
    }

    @Test
    void badOAuth2InputShouldBeRefusedWith400() throws Exception {
        HttpResponse<String> both = send("POST", "/api/accounts", oauth2Account("password", PASSWORD));
        assertEquals(400, both.statusCode(), both.body());
        HttpResponse<String> nonsense = send("POST", "/api/accounts", oauth2Account("oauth2", "nonsense"));
        assertEquals(400, nonsense.statusCode(), nonsense.body());
        assertEquals("oauth2", AdminClient.json(nonsense).get("field").asText(), nonsense.body());
        HttpResponse<String> type = send("POST", "/api/accounts", oauth2Account("oauth2Scope", 7));
        assertEquals(400, type.statusCode(), type.body());
        assertEquals("oauth2Scope", AdminClient.json(type).get("field").asText(), type.body());
        assertEquals(0, ok(200, send("GET", "/api/accounts", null)).size());
    }

    @Test
    void needsAuthorizationShouldBeTheLastResultShown() throws Exception {
        long id = fixture.addAccount("pop", 110, "alice", PASSWORD, org.mailfetch.mail.DeleteMode.NEVER).id();
        fixture.services().status().skipped(id, "x", null);
        fixture.services().db().update("UPDATE account_status SET last_result = 'needs-authorization',"
                + " last_error = 'the provider refused the refresh token: account authorize " + id + "' WHERE account_id = ?", id);
        assertEquals("needs-authorization", ok(200, send("GET", "/api/accounts/" + id, null)).get("lastResult").asText());
        assertEquals("needs-authorization", ok(200, send("GET", "/api/accounts/" + id + "/status", null))
                .get("lastResult").asText());
    }

    @Test
    void authorizeShouldRefuseBadInputUnknownAccountsAndCrossSiteRequests() throws Exception {
        long id = fixture.addAccount("pop", 110, "alice", PASSWORD, org.mailfetch.mail.DeleteMode.NEVER).id();
        JsonNode none = ok(200, send("GET", "/api/accounts/" + id + "/authorize", null));
        assertEquals("none", none.get("state").asText());
        HttpResponse<String> flow = send("POST", "/api/accounts/" + id + "/authorize", Map.of("flow", "carrier-pigeon"));
        assertEquals(400, flow.statusCode(), flow.body());
        assertEquals("flow", AdminClient.json(flow).path("field").asText(), flow.body());
        HttpResponse<String> unknown = send("POST", "/api/accounts/" + id + "/authorize", Map.of("other", 1));
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertEquals(404, send("POST", "/api/accounts/999/authorize", Map.of("flow", "device")).statusCode());
        assertEquals(404, send("GET", "/api/accounts/999/authorize", null).statusCode());
        HttpResponse<String> forged = admin.send("POST", "/api/accounts/" + id + "/authorize", "flow=device",
                Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertEquals(403, forged.statusCode(), forged.body());
        assertEquals("none", ok(200, send("GET", "/api/accounts/" + id + "/authorize", null)).get("state").asText(),
                "nothing started");

        // a password account: the sign-in starts and fails at once, saying why
        JsonNode refused = ok(202, send("POST", "/api/accounts/" + id + "/authorize", null));
        assertEquals("failed", refused.get("state").asText(), refused.toString());
        assertEquals("not-configured", refused.get("reason").asText(), refused.toString());
        assertEquals("failed", ok(200, send("GET", "/api/accounts/" + id + "/authorize", null)).get("state").asText());
    }

    @Test
    void theDeviceFlowShouldShowTheCodeThenBeAuthorized() throws Exception {
        idp.approvesAfter(1);
        long id = ok(201, send("POST", "/api/accounts", oauth2Account())).get("id").asLong();
        JsonNode started = ok(202, send("POST", "/api/accounts/" + id + "/authorize", Map.of("flow", "device")));
        assertEquals("device", started.get("flow").asText());
        assertEquals("pending", started.get("state").asText(), started.toString());
        assertEquals(idp.issuer() + "/activate", started.get("verificationUri").asText());
        assertEquals(FakeOAuth2Provider.USER_CODE, started.get("userCode").asText());
        assertEquals(idp.issuer() + "/activate?user_code=" + FakeOAuth2Provider.USER_CODE,
                started.get("verificationUriComplete").asText());

        HttpResponse<String> again = send("POST", "/api/accounts/" + id + "/authorize", Map.of("flow", "device"));
        assertTrue(again.statusCode() == 409 || again.statusCode() == 202, again.body()); // 202 if it ended meanwhile

        Eventually.await("authorized", Duration.ofSeconds(30),
                () -> "authorized".equals(ok(200, send("GET", "/api/accounts/" + id + "/authorize", null)).get("state").asText()));
        JsonNode done = ok(200, send("GET", "/api/accounts/" + id + "/authorize", null));
        assertFalse(done.has("userCode"), "the code is of no use any more: " + done);
        assertEquals("authorized", ok(200, send("GET", "/api/accounts/" + id, null)).get("oauth2").get("state").asText());
    }

    @Test
    void theBrowserFlowShouldGiveTheUrlAndTakeTheRedirect() throws Exception {
        idp.tokens(FakeOAuth2Provider.ACCESS_TOKEN, FakeOAuth2Provider.REFRESH_TOKEN, 3600);
        long id = ok(201, send("POST", "/api/accounts", oauth2Account())).get("id").asLong();
        JsonNode started = ok(202, send("POST", "/api/accounts/" + id + "/authorize", Map.of("flow", "browser")));
        assertEquals("pending", started.get("state").asText(), started.toString());
        String url = started.get("authorizationUrl").asText();
        assertTrue(url.startsWith(idp.issuer() + "/auth?"), url);

        // the user's browser: the provider approves and redirects to the loopback listener
        HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpResponse<String> landed = browser.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, landed.statusCode(), landed.body());
        Eventually.await("authorized", Duration.ofSeconds(30),
                () -> "authorized".equals(ok(200, send("GET", "/api/accounts/" + id + "/authorize", null)).get("state").asText()));
    }

    @Test
    void aDeniedSignInShouldBeFailedWithItsReason() throws Exception {
        idp.deniesAfter(1);
        long id = ok(201, send("POST", "/api/accounts", oauth2Account())).get("id").asLong();
        ok(202, send("POST", "/api/accounts/" + id + "/authorize", null));
        Eventually.await("failed", Duration.ofSeconds(30),
                () -> "failed".equals(ok(200, send("GET", "/api/accounts/" + id + "/authorize", null)).get("state").asText()));
        JsonNode failed = ok(200, send("GET", "/api/accounts/" + id + "/authorize", null));
        assertEquals("denied", failed.get("reason").asText(), failed.toString());
        assertFalse(failed.get("error").asText().isBlank());
        // a finished sign-in is replaced by a new start
        assertEquals(202, send("POST", "/api/accounts/" + id + "/authorize", Map.of("flow", "device")).statusCode());
    }
}
