package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.AdminClient;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.slf4j.LoggerFactory;

/** The REST API of the running service: every endpoint, authentication, validation, write-only passwords. */
class AdminApiTest {

    private static final String ADMIN_PASSWORD = "admin-Pa55word";
    private static final String POP_PASSWORD = "pop-s3cret-Pw0rd";
    private static final String NEW_POP_PASSWORD = "pop-n3w-s3cret";
    private static final String ROUTE_PASSWORD = "smtp-r0ute-s3cret";

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private FetchEngine service;
    private AdminClient admin;
    private final List<HttpResponse<String>> responses = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        log.start();
        root().addAppender(log);
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();
        admin = new AdminClient(AdminHttp.port(service.camel()), "admin", ADMIN_PASSWORD);
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
        pop3.close();
        root().detachAppender(log);
        for (HttpResponse<String> r : responses) {
            assertFalse(r.body().contains(POP_PASSWORD) || r.body().contains(NEW_POP_PASSWORD)
                            || r.body().contains(ROUTE_PASSWORD),
                    "a password in the response to " + r.request().uri() + ": " + r.body());
        }
        for (ILoggingEvent e : log.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            assertFalse(line.contains(POP_PASSWORD) || line.contains(NEW_POP_PASSWORD) || line.contains(ADMIN_PASSWORD)
                            || line.contains(ROUTE_PASSWORD),
                    "a password in the log: " + line);
        }
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private HttpResponse<String> call(AdminClient client, String method, String path, String json) throws Exception {
        HttpResponse<String> r = client.send(method, path, json);
        responses.add(r);
        return r;
    }

    private HttpResponse<String> call(String method, String path, String json) throws Exception {
        return call(admin, method, path, json);
    }

    /** A 400 whose JSON body names {@code field}. */
    private void assertRefused(String method, String path, String json, String field) {
        try {
            HttpResponse<String> r = call(method, path, json);
            assertEquals(400, r.statusCode(), method + " " + path + " " + json + ": " + r.body());
            assertEquals(field, AdminClient.json(r).get("field").asText(), r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void setPassword() {
        new AdminPassword(fixture.services().db()).set(ADMIN_PASSWORD);
    }

    private String newAccountJson(int port, String user) throws Exception {
        return AdminClient.JSON.writeValueAsString(Map.of("owner", MailfetchFixture.OWNER, "name", "alice at pop",
                "host", "127.0.0.1", "port", port, "security", "none", "user", user, "password", POP_PASSWORD,
                "delete", "immediately", "intervalMinutes", 60));
    }

    @Test
    void everyPathShouldAnswer401UntilAPasswordIsSetAndWithoutTheRightCredentials() throws Exception {
        String[] paths = {"/api/accounts", "/api/accounts/1", "/api/domains", "/api/mailboxes", "/api/aliases",
                "/api/lists", "/api/routes", "/api/outbox", "/api/quarantine", "/api/openapi.json", "/admin/",
                "/observe/health", "/observe/metrics"};
        for (String p : paths) {
            HttpResponse<String> r = call("GET", p, null);
            assertEquals(401, r.statusCode(), p + " before a password is set");
            assertTrue(r.body().contains("admin set-password"), r.body());
        }
        setPassword();
        assertEquals(200, call("GET", "/api/accounts", null).statusCode(), "the admin logged in before the failures below");
        AdminClient anonymous = new AdminClient(AdminHttp.port(service.camel()), null, null);
        AdminClient wrong = new AdminClient(AdminHttp.port(service.camel()), "admin", "not-the-password");
        AdminClient otherUser = new AdminClient(AdminHttp.port(service.camel()), "root", ADMIN_PASSWORD);
        int failures = 0;
        for (String p : paths) {
            assertEquals(401, call(anonymous, "GET", p, null).statusCode(), p + " without credentials");
            for (AdminClient bad : new AdminClient[] {wrong, otherUser}) {
                // after a few failures this client is held back (429) instead of being told 401 again
                int status = call(bad, "GET", p, null).statusCode();
                assertTrue(failures++ < LoginThrottle.FREE_FAILURES ? status == 401 : status == 401 || status == 429,
                        p + " with wrong credentials (failure " + failures + "): " + status);
            }
        }
        HttpResponse<String> r = call(anonymous, "POST", "/api/accounts/1/download", "{}");
        assertEquals(401, r.statusCode());
        String[][] writes = {{"PUT", "/api/domains/example.com"}, {"POST", "/api/aliases"}, {"DELETE", "/api/aliases/a@example.com"},
                {"POST", "/api/lists"}, {"DELETE", "/api/lists/l@example.com"}, {"POST", "/api/routes"},
                {"DELETE", "/api/routes/partner.example"}, {"POST", "/api/outbox/1/retry"},
                {"POST", "/api/quarantine/1/release"}, {"DELETE", "/api/quarantine/1"}};
        for (String[] w : writes) {
            assertEquals(401, call(anonymous, w[0], w[1], "{}").statusCode(), w[0] + " " + w[1] + " without credentials");
        }
        assertEquals("Basic realm=\"mailfetch\", charset=\"UTF-8\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(200, call("GET", "/api/accounts", null).statusCode());
    }

    @Test
    void accountsShouldBeCreatedReadUpdatedAndDeletedWithoutEverShowingThePassword() throws Exception {
        setPassword();
        HttpResponse<String> created = call("POST", "/api/accounts", newAccountJson(pop3.port(), "alice"));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode a = AdminClient.json(created);
        long id = a.get("id").asLong();
        assertEquals("/api/accounts/" + id, created.headers().firstValue("Location").orElse(""));
        assertEquals("alice at pop", a.get("name").asText());
        assertEquals(60, a.get("intervalMinutes").asInt());
        assertEquals("immediately", a.get("delete").asText());
        assertEquals("none", a.get("security").asText());
        assertTrue(a.get("enabled").asBoolean());
        assertFalse(a.has("password"));
        assertEquals(POP_PASSWORD, fixture.services().accounts().password(id));

        JsonNode list = AdminClient.json(call("GET", "/api/accounts", null));
        assertEquals(1, list.size());
        assertEquals(id, list.get(0).get("id").asLong());
        assertEquals("alice at pop", AdminClient.json(call("GET", "/api/accounts/" + id, null)).get("name").asText());

        HttpResponse<String> updated = call("PUT", "/api/accounts/" + id,
                "{\"name\":\"renamed\",\"enabled\":false,\"antispam\":true,\"recipientHeaders\":[\"To\",\"Delivered-To\"]}");
        assertEquals(200, updated.statusCode(), updated.body());
        JsonNode u = AdminClient.json(updated);
        assertEquals("renamed", u.get("name").asText());
        assertFalse(u.get("enabled").asBoolean());
        assertTrue(u.get("antispam").asBoolean());
        assertEquals("To,Delivered-To", u.get("recipientHeaders").asText());
        assertEquals(pop3.port(), u.get("port").asInt(), "fields left out keep their value");
        assertEquals(POP_PASSWORD, fixture.services().accounts().password(id), "no password given: kept");

        assertEquals(200, call("PUT", "/api/accounts/" + id, "{\"password\":\"" + NEW_POP_PASSWORD + "\"}").statusCode());
        assertEquals(NEW_POP_PASSWORD, fixture.services().accounts().password(id));

        JsonNode status = AdminClient.json(call("GET", "/api/accounts/" + id + "/status", null));
        assertEquals(id, status.get("id").asLong());
        assertFalse(status.get("running").asBoolean());
        assertTrue(status.has("nextRun") && status.has("lastResult") && status.has("lastError"));

        assertEquals(204, call("DELETE", "/api/accounts/" + id, null).statusCode());
        assertEquals(404, call("GET", "/api/accounts/" + id, null).statusCode());
        assertEquals(404, call("DELETE", "/api/accounts/" + id, null).statusCode());
        assertEquals(404, call("GET", "/api/accounts/abc", null).statusCode());
    }

    @Test
    void badInputShouldBeRefusedWith400NamingTheField() throws Exception {
        setPassword();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        String base = newAccountJson(pop3.port(), "alice");
        cases.put("port", base.replace("\"port\":" + pop3.port(), "\"port\":70000"));
        cases.put("intervalMinutes", base.replace("\"intervalMinutes\":60", "\"intervalMinutes\":0"));
        cases.put("security", base.replace("\"security\":\"none\"", "\"security\":\"tls-maybe\""));
        cases.put("delete", base.replace("\"delete\":\"immediately\"", "\"delete\":\"sometimes\""));
        cases.put("owner", base.replace(MailfetchFixture.OWNER, "nobody@example.com"));
        cases.put("password", base.replace("\"password\":\"" + POP_PASSWORD + "\"", "\"password\":null"));
        cases.put("bogus", base.replace("{", "{\"bogus\":1,"));
        cases.put("protocol", base.replace("{", "{\"protocol\":\"gopher\","));
        cases.put("antispam", base.replace("{", "{\"antispam\":\"yes\","));
        cases.put("envelopeHeaders", base.replace("{", "{\"envelopeHeaders\":[\"Bad Header\"],"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = call("POST", "/api/accounts", c.getValue());
            assertEquals(400, r.statusCode(), c.getKey() + ": " + r.body());
            assertEquals(c.getKey(), AdminClient.json(r).get("field").asText(), r.body());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        }
        HttpResponse<String> notJson = call("POST", "/api/accounts", "{name: oops");
        assertEquals(400, notJson.statusCode());
        assertTrue(AdminClient.json(notJson).get("error").asText().contains("not valid JSON"));
        assertEquals(0, fixture.services().accounts().list().size());

        long id = AdminClient.json(call("POST", "/api/accounts", base)).get("id").asLong();
        HttpResponse<String> r = call("PUT", "/api/accounts/" + id, "{\"port\":\"110\"}");
        assertEquals(400, r.statusCode());
        assertEquals("port", AdminClient.json(r).get("field").asText());
        assertEquals(400, call("POST", "/api/domains", "{\"name\":\"bad/domain\"}").statusCode());
        assertEquals("address", AdminClient.json(call("POST", "/api/mailboxes", "{\"address\":\"x@nowhere.example\"}"))
                .get("field").asText());
    }

    @Test
    void downloadNowShouldFetchTheAccountAndTheStatusShouldShowIt() throws Exception {
        setPassword();
        GreenMailUser bob = pop3.user("bob", POP_PASSWORD);
        String subject = pop3.deliver(bob);
        String json = newAccountJson(pop3.port(), "bob").replace("{", "{\"enabled\":false,");
        long id = AdminClient.json(call("POST", "/api/accounts", json)).get("id").asLong();
        assertEquals(202, call("POST", "/api/accounts/" + id + "/download", null).statusCode());
        Eventually.await("first session", Duration.ofSeconds(10),
                () -> "ok".equals(AdminClient.json(call("GET", "/api/accounts/" + id + "/status", null)).path("lastResult").asText()));
        String second = pop3.deliver(bob);

        HttpResponse<String> r = call("POST", "/api/accounts/" + id + "/download", null);
        assertEquals(202, r.statusCode(), r.body());
        assertTrue(AdminClient.json(r).get("accepted").asBoolean());
        Eventually.await("second message fetched", Duration.ofSeconds(10),
                () -> fixture.delivered().stream().anyMatch(m -> m.contains(second)));
        Eventually.await("status after download now", Duration.ofSeconds(10), () -> {
            JsonNode s = AdminClient.json(call("GET", "/api/accounts/" + id + "/status", null));
            return !s.get("running").asBoolean() && s.get("downloaded").asInt() == 1 && s.get("totalDownloaded").asInt() == 2;
        });
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains(subject)));
        assertEquals(404, call("POST", "/api/accounts/999/download", null).statusCode());
    }

    @Test
    void domainsAndMailboxesShouldBeListedAddedAndRemoved() throws Exception {
        setPassword();
        assertEquals("[{\"name\":\"example.com\",\"enabled\":true,\"catchAll\":null,\"lmtp\":null}]",
                call("GET", "/api/domains", null).body());
        HttpResponse<String> d = call("POST", "/api/domains", "{\"name\":\"Example.ORG\"}");
        assertEquals(201, d.statusCode(), d.body());
        assertEquals("example.org", AdminClient.json(d).get("name").asText());
        assertEquals(409, call("POST", "/api/domains", "{\"name\":\"example.org\"}").statusCode());
        HttpResponse<String> m = call("POST", "/api/mailboxes", "{\"address\":\"Bob@example.org\"}");
        assertEquals(201, m.statusCode(), m.body());
        assertEquals("bob@example.org", AdminClient.json(m).get("address").asText());
        assertEquals(2, AdminClient.json(call("GET", "/api/mailboxes", null)).size());
        assertEquals(409, call("DELETE", "/api/domains/example.org", null).statusCode(), "domain still has a mailbox");
        assertEquals(204, call("DELETE", "/api/mailboxes/bob@example.org", null).statusCode());
        assertEquals(404, call("DELETE", "/api/mailboxes/bob@example.org", null).statusCode());
        assertEquals(204, call("DELETE", "/api/domains/example.org", null).statusCode());
        assertEquals(404, call("DELETE", "/api/domains/example.org", null).statusCode());
        assertEquals(400, call("POST", "/api/mailboxes", "{}").statusCode());
    }

    @Test
    void domainsShouldShowAddAndChangeTheirCatchAllAndLmtpOptions() throws Exception {
        setPassword();
        HttpResponse<String> d = call("POST", "/api/domains",
                "{\"name\":\"example.org\",\"catchAll\":\"Postmaster@Example.ORG\",\"lmtp\":\"127.0.0.1:24\"}");
        assertEquals(201, d.statusCode(), d.body());
        assertEquals("postmaster@example.org", AdminClient.json(d).get("catchAll").asText());
        assertEquals("127.0.0.1:24", AdminClient.json(d).get("lmtp").asText());
        JsonNode listed = AdminClient.json(call("GET", "/api/domains", null)).get(1);
        assertEquals("example.org", listed.get("name").asText());
        assertEquals("127.0.0.1:24", listed.get("lmtp").asText());

        HttpResponse<String> u = call("PUT", "/api/domains/example.org", "{\"lmtp\":\"unix:/run/dovecot/lmtp\"}");
        assertEquals(200, u.statusCode(), u.body());
        assertEquals("unix:/run/dovecot/lmtp", AdminClient.json(u).get("lmtp").asText());
        assertEquals("postmaster@example.org", AdminClient.json(u).get("catchAll").asText(), "left out: kept");
        JsonNode cleared = AdminClient.json(call("PUT", "/api/domains/example.org", "{\"catchAll\":null,\"lmtp\":\"\"}"));
        assertTrue(cleared.get("catchAll").isNull() && cleared.get("lmtp").isNull(), cleared.toString());
        assertTrue(fixture.services().directory().domain("example.org").orElseThrow().catchAll() == null);

        assertRefused("POST", "/api/domains", "{\"name\":\"example.net\",\"lmtp\":\"no-port\"}", "lmtp");
        assertRefused("POST", "/api/domains", "{\"name\":\"example.net\",\"catchAll\":\"nobody\"}", "catchAll");
        assertRefused("POST", "/api/domains", "{\"lmtp\":\"127.0.0.1:24\"}", "name");
        assertRefused("PUT", "/api/domains/example.org", "{\"bogus\":1}", "bogus");
        assertRefused("PUT", "/api/domains/example.org", "{\"lmtp\":\"unix:relative\"}", "lmtp");
        assertEquals(2, AdminClient.json(call("GET", "/api/domains", null)).size(), "a refused option adds no domain");
        assertEquals(404, call("PUT", "/api/domains/nowhere.example", "{\"lmtp\":null}").statusCode());
    }

    @Test
    void aliasesAndListsShouldBeListedAddedAndRemoved() throws Exception {
        setPassword();
        HttpResponse<String> a = call("POST", "/api/aliases",
                "{\"address\":\"Info@example.com\",\"targets\":[\"alice@example.com\",\"bob@partner.example\"]}");
        assertEquals(201, a.statusCode(), a.body());
        assertEquals("info@example.com", AdminClient.json(a).get("address").asText());
        assertEquals(2, AdminClient.json(a).get("targets").size());
        assertEquals(409, call("POST", "/api/aliases", "{\"address\":\"info@example.com\",\"targets\":[\"alice@example.com\"]}")
                .statusCode());
        assertEquals(List.of("alice@example.com", "bob@partner.example"),
                fixture.services().directory().aliases().get(0).targets());

        HttpResponse<String> l = call("POST", "/api/lists", "{\"address\":\"team@example.com\",\"members\":\"alice@example.com, carol@example.com\"}");
        assertEquals(201, l.statusCode(), l.body());
        assertEquals(2, AdminClient.json(l).get("members").size());
        assertEquals("team@example.com", AdminClient.json(call("GET", "/api/lists", null)).get(0).get("address").asText());
        assertEquals("info@example.com", AdminClient.json(call("GET", "/api/aliases", null)).get(0).get("address").asText());

        String[][] bad = {
                {"/api/aliases", "{\"address\":\"info@elsewhere.example\",\"targets\":[\"alice@example.com\"]}", "address"},
                {"/api/aliases", "{\"address\":\"x@example.com\",\"targets\":[]}", "targets"},
                {"/api/aliases", "{\"address\":\"x@example.com\",\"targets\":[\"not an address\"]}", "targets"},
                {"/api/aliases", "{\"targets\":[\"alice@example.com\"]}", "address"},
                {"/api/lists", "{\"address\":\"no-at-sign\",\"members\":[\"alice@example.com\"]}", "address"},
                {"/api/lists", "{\"address\":\"y@example.com\"}", "members"},
                {"/api/lists", "{\"address\":\"y@example.com\",\"members\":[\"a@example.com\"],\"owner\":1}", "owner"}};
        for (String[] b : bad) {
            assertRefused("POST", b[0], b[1], b[2]);
        }
        assertEquals(204, call("DELETE", "/api/aliases/info@example.com", null).statusCode());
        assertEquals(404, call("DELETE", "/api/aliases/info@example.com", null).statusCode());
        assertEquals(204, call("DELETE", "/api/lists/team@example.com", null).statusCode());
        assertEquals(404, call("DELETE", "/api/lists/team@example.com", null).statusCode());
        assertEquals("[]", call("GET", "/api/aliases", null).body());
        assertEquals("[]", call("GET", "/api/lists", null).body());
    }

    @Test
    void routesShouldBeAddedAndRemovedWithAWriteOnlyPassword() throws Exception {
        setPassword();
        HttpResponse<String> r = call("POST", "/api/routes", "{\"domain\":\"Partner.example\",\"host\":\"127.0.0.1\","
                + "\"port\":2525,\"tls\":true,\"user\":\"relay\",\"password\":\"" + ROUTE_PASSWORD + "\"}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode route = AdminClient.json(r);
        assertEquals("partner.example", route.get("domain").asText());
        assertEquals(2525, route.get("port").asInt());
        assertTrue(route.get("tls").asBoolean());
        assertEquals("relay", route.get("user").asText());
        assertFalse(route.has("password"));
        assertEquals(ROUTE_PASSWORD, fixture.services().smtpRoutes().password("partner.example").orElseThrow());
        assertEquals(1, AdminClient.json(call("GET", "/api/routes", null)).size());
        assertEquals(409, call("POST", "/api/routes", "{\"domain\":\"partner.example\",\"host\":\"h\",\"port\":25}").statusCode());
        assertEquals(409, call("POST", "/api/routes", "{\"domain\":\"example.com\",\"host\":\"h\",\"port\":25}").statusCode(),
                "a local domain cannot be routed");

        String[][] bad = {
                {"{\"domain\":\"other.example\",\"host\":\"h\",\"port\":70000}", "port"},
                {"{\"domain\":\"other.example\",\"host\":\"h\",\"port\":\"25\"}", "port"},
                {"{\"domain\":\"other.example\",\"host\":\"h\"}", "port"},
                {"{\"domain\":\"other.example\",\"port\":25}", "host"},
                {"{\"domain\":\"bad/domain\",\"host\":\"h\",\"port\":25}", "domain"},
                {"{\"domain\":\"other.example\",\"host\":\"h\",\"port\":25,\"user\":\"u\"}", "password"},
                {"{\"domain\":\"other.example\",\"host\":\"h\",\"port\":25,\"password\":\"" + ROUTE_PASSWORD + "\"}", "user"},
                {"{\"domain\":\"other.example\",\"host\":\"h\",\"port\":25,\"tls\":\"yes\"}", "tls"}};
        for (String[] b : bad) {
            assertRefused("POST", "/api/routes", b[0], b[1]);
        }
        assertEquals(204, call("DELETE", "/api/routes/partner.example", null).statusCode());
        assertEquals(404, call("DELETE", "/api/routes/partner.example", null).statusCode());
    }

    @Test
    void routedMailShouldWaitInTheOutboxAndQuarantinedMailBeReleasedOrDeleted() throws Exception {
        setPassword();
        assertEquals(201, call("POST", "/api/routes", "{\"domain\":\"partner.example\",\"host\":\"127.0.0.1\",\"port\":"
                + org.mailfetch.testsupport.Scanning.closedPort() + "}").statusCode());
        GreenMailUser box = pop3.user("box", "secret");
        org.mailfetch.mail.Account account = org.mailfetch.testsupport.RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        org.mailfetch.testsupport.RoutedMail.put(box, "routed", "To: zoe@partner.example");
        fixture.fetch(account.id());

        JsonNode outbox = AdminClient.json(call("GET", "/api/outbox", null));
        assertEquals(1, outbox.size(), outbox.toString());
        assertEquals("partner.example", outbox.get(0).get("route").asText());
        long entry = outbox.get(0).get("id").asLong();
        HttpResponse<String> retried = call("POST", "/api/outbox/" + entry + "/retry", null);
        assertEquals(200, retried.statusCode(), retried.body());
        assertEquals("waiting", AdminClient.json(retried).get("state").asText());
        assertEquals(404, call("POST", "/api/outbox/999/retry", null).statusCode());
        assertEquals(404, call("POST", "/api/outbox/x/retry", null).statusCode());

        org.mailfetch.quarantine.QuarantineStore store = org.mailfetch.testsupport.Scanning.quarantine(fixture);
        long[] ids = new long[2];
        for (int i = 0; i < 2; i++) {
            ids[i] = store.nextId();
            String file = "held-" + i;
            java.nio.file.Files.createDirectories(store.dir());
            java.nio.file.Files.writeString(store.dir().resolve(file), "Subject: held " + i + "\n\nbody\n");
            store.record(new org.mailfetch.quarantine.QuarantineItem(ids[i], account.id(), "uidl-" + i,
                    MailfetchFixture.OWNER, "virus", "Eicar-Test", "s@example.org", "held " + i, 30, file,
                    java.time.Instant.now()));
        }
        JsonNode held = AdminClient.json(call("GET", "/api/quarantine", null));
        assertEquals(2, held.size(), held.toString());
        assertEquals("virus", held.get(0).get("kind").asText());
        HttpResponse<String> released = call("POST", "/api/quarantine/" + ids[0] + "/release", null);
        assertEquals(200, released.statusCode(), released.body());
        assertEquals(MailfetchFixture.OWNER, AdminClient.json(released).get("deliveredTo").asText());
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: held 0")));
        assertEquals(204, call("DELETE", "/api/quarantine/" + ids[1], null).statusCode());
        assertEquals(404, call("DELETE", "/api/quarantine/" + ids[1], null).statusCode());
        assertEquals(404, call("POST", "/api/quarantine/" + ids[0] + "/release", null).statusCode());
        assertEquals("[]", call("GET", "/api/quarantine", null).body());
    }

    @Test
    void theOpenApiDocumentAndTheWebPageShouldBeServedAndDeveloperEndpointsNot() throws Exception {
        setPassword();
        HttpResponse<String> doc = call("GET", "/api/openapi.json", null);
        assertEquals(200, doc.statusCode());
        JsonNode paths = AdminClient.json(doc).get("paths");
        for (String p : new String[] {"/api/accounts", "/api/accounts/{id}", "/api/accounts/{id}/download",
                "/api/accounts/{id}/status", "/api/domains", "/api/domains/{name}", "/api/mailboxes",
                "/api/mailboxes/{address}", "/api/aliases", "/api/aliases/{alias}", "/api/lists", "/api/lists/{name}",
                "/api/routes", "/api/routes/{domain}", "/api/outbox", "/api/outbox/{id}/retry", "/api/quarantine",
                "/api/quarantine/{id}/release", "/api/quarantine/{id}"}) {
            assertTrue(paths.has(p), p + " in " + paths);
        }
        HttpResponse<String> page = call("GET", "/admin/", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>mailfetch"), page.body());
        assertEquals(302, call("GET", "/", null).statusCode());
        assertEquals(404, call("GET", "/admin/application.properties", null).statusCode());
        assertEquals(404, call("GET", "/admin/..%2Fapplication.properties", null).statusCode());
        for (String p : new String[] {"/application.properties", "/observe/dev", "/observe/jolokia", "/q/dev",
                "/observe/upload/x", "/observe/send", "/observe/info"}) {
            assertEquals(404, call("GET", p, null).statusCode(), p);
        }
        assertEquals(200, call("GET", "/observe/health", null).statusCode());
    }

    @Test
    void theRestErrorHandlerShouldStayWithTheRestRoutes() throws Exception {
        // an error in the fetch chain must not be turned into an HTTP answer by admin-api's onException
        org.apache.camel.Exchange e = service.camel().createProducerTemplate().request("direct:fetch-session",
                x -> x.getMessage().setHeader("mailfetchAccountId", "not-a-number"));
        assertTrue(e.getException() != null, "the failure reaches the caller");
        assertFalse(String.valueOf(e.getMessage().getBody()).contains("\"error\""), String.valueOf(e.getMessage().getBody()));
    }
}
