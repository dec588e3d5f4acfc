package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.store.Problem;
import org.mailfetch.testsupport.AdminClient;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * Each kind of error over REST, from a running service: not found 404, conflict 409, invalid 400 with
 * its field, the database failing 503 (never 409) — always {"error": ...} as JSON.
 */
class ErrorKindsApiTest {

    private static final String ADMIN_PASSWORD = "admin-Pa55word";

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    private FetchEngine service;
    private AdminClient admin;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new MailfetchFixture(dataDir); // example.com with alice@example.com
        new AdminPassword(fixture.services().db()).set(ADMIN_PASSWORD);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();
        admin = new AdminClient(AdminHttp.port(service.camel()), "admin", ADMIN_PASSWORD);
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
    }

    @Test
    void anUnknownIdShouldBe404() throws Exception {
        JsonNode body = error(admin.get("/api/accounts/999"), 404);
        assertEquals("no account 999", body.get("error").asText());
        error(admin.delete("/api/mailboxes/bob@example.com"), 404);
        error(admin.post("/api/outbox/999/retry", null), 404);
    }

    @Test
    void aConflictWithStoredDataShouldBe409() throws Exception {
        JsonNode body = error(admin.post("/api/domains", "{\"name\":\"example.com\"}"), 409);
        assertEquals("domain example.com exists already", body.get("error").asText());
        error(admin.delete("/api/domains/example.com"), 409); // alice@example.com is still there
        error(admin.post("/api/routes", "{\"domain\":\"example.com\",\"host\":\"relay.example\",\"port\":25}"), 409);
    }

    @Test
    void anInvalidValueShouldBe400NamingItsField() throws Exception {
        JsonNode body = error(admin.post("/api/routes", "{\"domain\":\"partner.example\",\"host\":\"relay.example\",\"port\":0}"), 400);
        assertEquals("port", body.get("field").asText(), body.toString());
        body = error(admin.post("/api/accounts", "{\"owner\":\"alice@example.com\",\"name\":\"a\",\"host\":\"pop.example\","
                + "\"user\":\"a\",\"password\":\"pw\",\"port\":70000}"), 400);
        assertEquals("port", body.get("field").asText(), body.toString());
    }

    @Test
    void theDatabaseFailingShouldBe503WithNoDriverTextNever409() throws Exception {
        error(admin.post("/api/domains", "{\"name\":\"example.com\"}"), 409); // the password is read: auth works on

        fixture.services().db().close(); // what a lost database looks like to the service

        for (HttpResponse<String> r : new HttpResponse[] {admin.get("/api/accounts"), admin.get("/api/accounts/1"),
                admin.post("/api/domains", "{\"name\":\"example.com\"}"), admin.delete("/api/domains/example.com"),
                admin.get("/api/quarantine")}) {
            JsonNode body = error(r, 503);
            assertEquals(Problem.UNAVAILABLE_MESSAGE, body.get("error").asText());
            for (String leak : new String[] {"pool", "disposed", "SQL", "h2", "Exception", "closed"}) {
                assertFalse(r.body().contains(leak), "'" + leak + "' in " + r.body());
            }
        }
    }

    /** A response with this status whose body is the JSON error object. */
    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.request().method() + " " + r.request().uri() + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode body = AdminClient.json(r);
        assertTrue(body.isObject() && body.get("error").isTextual(), r.body());
        return body;
    }
}
