package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.AdminClient;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.Scanning;

/**
 * The admin API against a hostile web page and a hostile client: cross-site requests, control
 * characters in any field, password guessing in parallel, and headers named like path parameters.
 */
class AdminApiTrustTest {

    private static final String ADMIN_PASSWORD = "admin-Pa55word";
    private static final String POP_PASSWORD = "pop-s3cret-Pw0rd";
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private FetchEngine service;
    private AdminClient admin;
    private int port;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();
        port = AdminHttp.port(service.camel());
        admin = new AdminClient(port, "admin", ADMIN_PASSWORD);
        new AdminPassword(fixture.services().db()).set(ADMIN_PASSWORD);
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
        pop3.close();
    }

    private long addAccount(String user) throws Exception {
        HttpResponse<String> r = admin.post("/api/accounts", AdminClient.JSON.writeValueAsString(Map.of(
                "owner", MailfetchFixture.OWNER, "name", "acct " + user, "host", "127.0.0.1", "port", pop3.port(),
                "security", "none", "user", user, "password", POP_PASSWORD, "enabled", false)));
        assertEquals(201, r.statusCode(), r.body());
        return AdminClient.json(r).get("id").asLong();
    }

    private long quarantined(long accountId) throws Exception {
        QuarantineStore store = Scanning.quarantine(fixture);
        long id = store.nextId();
        Files.createDirectories(store.dir());
        Files.writeString(store.dir().resolve("held-" + id), "Subject: held " + id + "\n\nbody\n");
        store.record(new QuarantineItem(id, accountId, "uidl-" + id, MailfetchFixture.OWNER, "virus", "Eicar-Test",
                "s@example.org", "held " + id, 30, "held-" + id, Instant.now()));
        return id;
    }

    private static void assertForbidden(HttpResponse<String> r, String what) throws Exception {
        assertEquals(403, r.statusCode(), what + ": " + r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), what);
        assertTrue(AdminClient.json(r).get("error").asText().length() > 0, what);
    }

    // --- item 20: cross-site request forgery

    @Test
    void crossSiteRequestsThatChangeSomethingShouldBeRefusedWith403AndChangeNothing() throws Exception {
        GreenMailUser bob = pop3.user("bob", POP_PASSWORD);
        pop3.deliver(bob);
        long account = addAccount("bob");
        long held = quarantined(account);
        long held2 = quarantined(account);
        String self = "http://127.0.0.1:" + port;
        Map<String, Map<String, String>> forged = new LinkedHashMap<>();
        forged.put("a form post", Map.of("Content-Type", "application/x-www-form-urlencoded"));
        forged.put("a text/plain post", Map.of("Content-Type", "text/plain"));
        forged.put("no content type", Map.of());
        forged.put("JSON from a foreign origin", Map.of("Content-Type", "application/json", "Origin", "http://evil.example"));
        forged.put("JSON from the same host on another port",
                Map.of("Content-Type", "application/json", "Origin", "http://127.0.0.1:" + (port + 1)));
        forged.put("JSON from an opaque origin", Map.of("Content-Type", "application/json", "Origin", "null"));
        forged.put("a cross-site fetch", Map.of("X-Requested-With", "x", "Sec-Fetch-Site", "cross-site"));
        forged.put("a same-site fetch", Map.of("Content-Type", "application/json", "Sec-Fetch-Site", "same-site"));
        String[][] targets = {{"POST", "/api/quarantine/" + held + "/release"}, {"POST", "/api/accounts/" + account + "/download"},
                {"POST", "/api/outbox/1/retry"}, {"DELETE", "/api/accounts/" + account}, {"DELETE", "/api/quarantine/" + held},
                {"PUT", "/api/accounts/" + account}};
        for (Map.Entry<String, Map<String, String>> f : forged.entrySet()) {
            for (String[] t : targets) {
                String body = t[0].equals("DELETE") ? null : "{}";
                assertForbidden(admin.send(t[0], t[1], body, f.getValue()), f.getKey() + " to " + t[0] + " " + t[1]);
            }
        }
        Thread.sleep(500); // a download that slipped through would have started by now
        assertTrue(Scanning.quarantine(fixture).get(held).isPresent(), "not released, not deleted");
        assertTrue(Scanning.quarantine(fixture).get(held2).isPresent());
        assertTrue(fixture.delivered().isEmpty(), "nothing delivered: " + fixture.delivered());
        assertEquals(1, pop3.remaining(bob), "no session ran");
        assertTrue(fixture.services().accounts().get(account).isPresent(), "not deleted");

        // what the web page sends, and what a same-origin fetch adds, is accepted; reads are not affected
        Map<String, String> page = Map.of("X-Requested-With", "mailfetch-admin", "Origin", self, "Sec-Fetch-Site", "same-origin");
        HttpResponse<String> released = admin.send("POST", "/api/quarantine/" + held + "/release", null, page);
        assertEquals(200, released.statusCode(), released.body());
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: held " + held)));
        HttpResponse<String> download = admin.send("POST", "/api/accounts/" + account + "/download", null,
                Map.of("Content-Type", "application/json; charset=utf-8", "Sec-Fetch-Site", "none"));
        assertEquals(202, download.statusCode(), download.body());
        assertEquals(200, admin.send("GET", "/api/accounts", null, Map.of("Origin", "http://evil.example",
                "Sec-Fetch-Site", "cross-site")).statusCode(), "reads are protected by the browser's same-origin policy");
        assertEquals(204, admin.send("DELETE", "/api/quarantine/" + held2, null, JSON).statusCode());
    }

    // --- item 21: control characters and host syntax

    @Test
    void controlCharactersInAnyTextFieldShouldBeRefusedWith400NamingTheField() throws Exception {
        long account = addAccount("alice");
        String[][] bad = {
                {"POST", "/api/accounts", "user", "{\"user\":\"u\\r\\nDELE 1\"}"},
                {"POST", "/api/accounts", "password", "{\"password\":\"p\\r\\nDELE 1\"}"},
                {"POST", "/api/accounts", "password", "{\"password\":\"p\\u0000\"}"},
                {"POST", "/api/accounts", "name", "{\"name\":\"n\\u001b[31m\"}"},
                {"POST", "/api/accounts", "owner", "{\"owner\":\"alice\\r\\n@example.com\"}"},
                {"POST", "/api/accounts", "host", "{\"host\":\"127.0.0.1\\r\\n\"}"},
                {"POST", "/api/accounts", "recipientHeaders", "{\"recipientHeaders\":[\"To\",\"X-\\u007f\"]}"},
                {"POST", "/api/accounts", "trustCertPem", "{\"trustCertPem\":\"-----BEGIN CERTIFICATE-----\\u0000\"}"},
                {"PUT", "/api/accounts/" + account, "user", "{\"user\":\"alice\\nRETR 1\"}"},
                {"PUT", "/api/accounts/" + account, "password", "{\"password\":\"x\\rDELE 1\"}"},
                {"POST", "/api/domains", "name", "{\"name\":\"example.org\\r\\n\"}"},
                {"POST", "/api/domains", "catchAll", "{\"name\":\"example.org\",\"catchAll\":\"x\\r\\nRCPT TO:<a@b>@example.org\"}"},
                {"POST", "/api/domains", "lmtp", "{\"name\":\"example.org\",\"lmtp\":\"unix:/run/lmtp\\n\"}"},
                {"PUT", "/api/domains/example.com", "catchAll", "{\"catchAll\":\"p\\n@example.com\"}"},
                {"POST", "/api/mailboxes", "address", "{\"address\":\"bob\\r\\nRCPT TO:<x@y>@example.com\"}"},
                {"POST", "/api/aliases", "address", "{\"address\":\"in\\tfo@example.com\",\"targets\":[\"alice@example.com\"]}"},
                {"POST", "/api/aliases", "targets", "{\"address\":\"info@example.com\",\"targets\":[\"alice@example.com\",\"b\\r\\n@example.com\"]}"},
                {"POST", "/api/lists", "members", "{\"address\":\"team@example.com\",\"members\":\"alice@example.com, c\\n@example.com\"}"},
                {"POST", "/api/routes", "host", "{\"domain\":\"partner.example\",\"host\":\"h\\r\\nx\",\"port\":25}"},
                {"POST", "/api/routes", "user", "{\"domain\":\"partner.example\",\"host\":\"h\",\"port\":25,\"user\":\"u\\r\\nAUTH\",\"password\":\"p\"}"},
                {"POST", "/api/routes", "password", "{\"domain\":\"partner.example\",\"host\":\"h\",\"port\":25,\"user\":\"u\",\"password\":\"p\\r\\n\"}"},
                {"POST", "/api/routes", "domain", "{\"domain\":\"partner\\u0000.example\",\"host\":\"h\",\"port\":25}"},
                // host syntax: only names, IPv4 and IPv6 addresses
                {"POST", "/api/accounts", "host", "{\"host\":\"pop example.com\"}"},
                {"POST", "/api/accounts", "host", "{\"host\":\"pop..example.com\"}"},
                {"PUT", "/api/accounts/" + account, "host", "{\"host\":\"-pop.example.com\"}"},
                {"PUT", "/api/accounts/" + account, "host", "{\"host\":\"[zz::1]\"}"},
                {"POST", "/api/routes", "host", "{\"domain\":\"partner.example\",\"host\":\"relay/x\",\"port\":25}"},
                {"POST", "/api/domains", "lmtp", "{\"name\":\"example.org\",\"lmtp\":\"bad host:24\"}"},
                {"POST", "/api/domains", "name", "{\"name\":\"exa mple.org\"}"}};
        String base = "{\"owner\":\"" + MailfetchFixture.OWNER + "\",\"name\":\"n\",\"host\":\"127.0.0.1\","
                + "\"user\":\"u\",\"password\":\"" + POP_PASSWORD + "\"}";
        for (String[] b : bad) {
            String body = b[1].equals("/api/accounts") ? merge(base, b[3]) : b[3];
            HttpResponse<String> r = admin.send(b[0], b[1], body);
            assertEquals(400, r.statusCode(), b[0] + " " + b[1] + " " + body + ": " + r.body());
            assertEquals(b[2], AdminClient.json(r).get("field").asText(), body + ": " + r.body());
            assertFalse(r.body().contains("DELE") || r.body().contains(POP_PASSWORD), "no value echoed: " + r.body());
        }
        for (String path : new String[] {"/api/mailboxes/alice%0D%0A@example.com", "/api/accounts/" + account + "%00",
                "/api/aliases/a%7f@example.com"}) {
            HttpResponse<String> r = admin.delete(path);
            assertEquals(400, r.statusCode(), path + ": " + r.body());
            assertTrue(AdminClient.json(r).get("error").asText().contains("control characters"), r.body());
        }
        assertEquals(1, fixture.services().accounts().list().size(), "nothing added");
        assertEquals("alice", fixture.services().accounts().get(account).orElseThrow().userName(), "nothing changed");
        assertEquals(POP_PASSWORD, fixture.services().accounts().password(account));
        assertEquals(1, fixture.services().directory().domainDetails().size());
        assertEquals(List.of(MailfetchFixture.OWNER), fixture.services().directory().mailboxes());
        assertTrue(fixture.services().directory().aliases().isEmpty() && fixture.services().directory().lists().isEmpty());
        assertTrue(fixture.services().smtpRoutes().list().isEmpty());
        assertTrue(fixture.services().directory().domain("example.com").orElseThrow().catchAll() == null);

        // the good ones still pass: IPv6 literals, a trailing dot, an underscore
        for (String host : new String[] {"[::1]", "::1", "pop.example.com.", "mail_1.example.com", "xn--bcher-kva.example"}) {
            HttpResponse<String> r = admin.put("/api/accounts/" + account,
                    "{\"host\":\"" + host + "\",\"password\":\"" + POP_PASSWORD + "\"}");
            assertEquals(200, r.statusCode(), host + ": " + r.body());
        }
        // the stored password is write-only: it never follows the account to another server unasked
        HttpResponse<String> elsewhere = admin.put("/api/accounts/" + account, "{\"host\":\"attacker.example\"}");
        assertEquals(400, elsewhere.statusCode(), elsewhere.body());
        assertTrue(elsewhere.body().contains("\"field\":\"password\""), elsewhere.body());
        HttpResponse<String> cleartext = admin.put("/api/accounts/" + account, "{\"port\":2}");
        assertEquals(400, cleartext.statusCode(), cleartext.body());
        assertEquals("xn--bcher-kva.example", fixture.services().accounts().get(account).orElseThrow().host());
    }

    private static String merge(String base, String extra) throws Exception {
        JsonNode b = AdminClient.JSON.readTree(base);
        ((com.fasterxml.jackson.databind.node.ObjectNode) b).setAll((com.fasterxml.jackson.databind.node.ObjectNode)
                AdminClient.JSON.readTree(extra));
        return AdminClient.JSON.writeValueAsString(b);
    }

    // --- item 22: password guessing

    @Test
    void twoHundredParallelBadLoginsShouldNotDelayTheAdminAndTheGuesserShouldGet429() throws Exception {
        assertEquals(200, admin.get("/api/accounts").statusCode(), "the admin is logged in before the attack");
        List<Future<String>> attack = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(200);
        try {
            for (int i = 0; i < 200; i++) {
                String guess = "guess-" + i;
                attack.add(pool.submit(() -> rawGet("127.0.0.2", "admin", guess)));
            }
            Thread.sleep(200); // the attack is under way
            long start = System.nanoTime();
            HttpResponse<String> valid = admin.get("/api/accounts");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(200, valid.statusCode(), valid.body());
            assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "the admin waited " + took);

            int tooMany = 0;
            for (Future<String> f : attack) {
                String head = f.get();
                assertTrue(head.startsWith("HTTP/1.1 401") || head.startsWith("HTTP/1.1 429"), head);
                if (head.startsWith("HTTP/1.1 429")) {
                    tooMany++;
                    assertTrue(head.toLowerCase().contains("\nretry-after: "), head);
                }
            }
            assertTrue(tooMany >= 190, "at most a few guesses were checked, " + tooMany + " held back");
        } finally {
            pool.shutdownNow();
        }
        // right after the attack, or after a few more failures once a short block has passed on a slow machine
        // (each failure doubles the block, so it soon outlasts a guess)
        String next = rawGet("127.0.0.2", "admin", ADMIN_PASSWORD + "-nope");
        for (int i = 0; i < 4 && !next.startsWith("HTTP/1.1 429"); i++) {
            next = rawGet("127.0.0.2", "admin", ADMIN_PASSWORD + "-nope");
        }
        assertTrue(next.startsWith("HTTP/1.1 429"), "the guesser is held back: " + next);
        assertTrue(rawGet("127.0.0.3", "admin", ADMIN_PASSWORD).startsWith("HTTP/1.1 200"),
                "another client is not held back for the guesser's failures");
    }

    /** GET /api/accounts with Basic credentials from a given loopback address; returns the status line and headers. */
    private String rawGet(String from, String user, String password) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/accounts HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Basic " + auth
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && head.size() < 8192) {
                head.write(c);
                if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString(StandardCharsets.US_ASCII);
        }
    }

    // --- item 23: headers and query parameters named like path parameters

    @Test
    void aHeaderOrQueryParameterNamedLikeAPathParameterShouldNotChooseTheTarget() throws Exception {
        long first = addAccount("first");
        long second = addAccount("second");
        assertEquals(201, admin.post("/api/mailboxes", "{\"address\":\"bob@example.com\"}").statusCode());
        String[][] requests = {
                {"DELETE", "/api/accounts/" + first, "id", String.valueOf(second)},
                {"DELETE", "/api/accounts/" + first, "ID", String.valueOf(second)},
                {"GET", "/api/accounts/" + first, "id", String.valueOf(second)},
                {"POST", "/api/accounts/" + first + "/download", "id", String.valueOf(second)},
                {"PUT", "/api/accounts/" + first, "id", String.valueOf(second)},
                {"DELETE", "/api/mailboxes/bob@example.com", "address", MailfetchFixture.OWNER},
                {"DELETE", "/api/domains/example.org", "name", "example.com"}};
        for (String[] r : requests) {
            String body = r[0].equals("PUT") ? "{\"name\":\"changed\"}" : r[0].equals("POST") ? "{}" : null;
            HttpResponse<String> response = admin.send(r[0], r[1], body,
                    Map.of("Content-Type", "application/json", r[2], r[3]));
            assertEquals(400, response.statusCode(), r[0] + " " + r[1] + " with header " + r[2] + ": " + response.body());
            assertTrue(AdminClient.json(response).get("error").asText().contains("path parameter"), response.body());
            HttpResponse<String> query = admin.send(r[0], r[1] + "?" + r[2] + "=" + r[3], body);
            assertEquals(400, query.statusCode(), r[0] + " " + r[1] + " with query " + r[2] + ": " + query.body());
        }
        assertTrue(fixture.services().accounts().get(first).isPresent() && fixture.services().accounts().get(second).isPresent());
        assertEquals("acct second", fixture.services().accounts().get(second).orElseThrow().name());
        assertEquals("acct first", fixture.services().accounts().get(first).orElseThrow().name());
        assertEquals(2, fixture.services().directory().mailboxes().size());

        // without the clash the path decides
        assertEquals(204, admin.delete("/api/accounts/" + first).statusCode());
        assertFalse(fixture.services().accounts().get(first).isPresent());
        assertTrue(fixture.services().accounts().get(second).isPresent());
    }
}
