package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.observe.AccountMBeans;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.AdminClient;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * IMAP accounts over the REST API (and their MBean): POST, PUT and GET with folders, moveTo,
 * markSeen and idle; the IMAP ports; every refusal a 400 naming its field; a protocol switch; and
 * Download now of an IMAP account against GreenMail IMAP, its status showing the folders and idleLive.
 */
class ImapAccountApiTest {

    private static final String ADMIN_PASSWORD = "admin-Pa55word";
    private static final String IMAP_PASSWORD = "imap-s3cret-Pw0rd";
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @TempDir
    Path dataDir;

    private ImapServer imap;
    private MailfetchFixture fixture;
    private FetchEngine service;
    private AdminClient admin;

    @BeforeEach
    void setUp() throws Exception {
        imap = new ImapServer();
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
        imap.close();
    }

    private Map<String, Object> account(Object... more) {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("owner", MailfetchFixture.OWNER, "name", "bob at imap",
                "host", "127.0.0.1", "user", "bob", "password", IMAP_PASSWORD, "protocol", "imap"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            m.put((String) more[i], more[i + 1]);
        }
        return m;
    }

    private HttpResponse<String> send(String method, String path, Object body) throws Exception {
        HttpResponse<String> r = admin.send(method, path, body == null ? null
                : body instanceof String s ? s : AdminClient.JSON.writeValueAsString(body));
        assertFalse(r.body().contains(IMAP_PASSWORD), r.body());
        return r;
    }

    private JsonNode ok(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        return AdminClient.json(r);
    }

    private void assertRefused(String method, String path, Object body, String field, String says) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = AdminClient.json(r);
        assertEquals(field, e.get("field").asText(), r.body());
        assertTrue(e.get("error").asText().contains(says), r.body());
    }

    @Test
    void imapAccountsShouldBeCreatedReadAndUpdatedWithTheirOptions() throws Exception {
        JsonNode plain = ok(201, send("POST", "/api/accounts", account()));
        assertEquals("imap", plain.get("protocol").asText());
        assertEquals(993, plain.get("port").asInt());
        assertEquals("[\"INBOX\"]", plain.get("folders").toString());
        assertTrue(plain.get("moveTo").isNull());
        assertFalse(plain.get("markSeen").asBoolean() || plain.get("idle").asBoolean() || plain.get("idleLive").asBoolean());
        assertEquals(143, ok(201, send("POST", "/api/accounts", account("security", "starttls"))).get("port").asInt());

        JsonNode full = ok(201, send("POST", "/api/accounts", account("folders", List.of("INBOX", "Lists/a, b"),
                "delete", "immediately", "moveTo", "Archive", "markSeen", true, "idle", true)));
        long id = full.get("id").asLong();
        assertEquals(new ImapOptions(List.of("INBOX", "Lists/a, b"), "Archive", true, true),
                fixture.services().imapOptions().get(id));
        JsonNode got = ok(200, send("GET", "/api/accounts/" + id, null));
        assertEquals("[\"INBOX\",\"Lists/a, b\"]", got.get("folders").toString());
        assertEquals("Archive", got.get("moveTo").asText());

        JsonNode off = ok(200, send("PUT", "/api/accounts/" + id, "{\"moveTo\":null,\"markSeen\":false,\"idle\":false}"));
        assertTrue(off.get("moveTo").isNull());
        assertFalse(off.get("markSeen").asBoolean() || off.get("idle").asBoolean());
        assertEquals("[\"INBOX\",\"Lists/a, b\"]", off.get("folders").toString(), "left out: kept");
        JsonNode folders = ok(200, send("PUT", "/api/accounts/" + id, "{\"folders\":[\"Sent\"]}"));
        assertEquals("[\"Sent\"]", folders.get("folders").toString());

        // a GET response sent back edited is a valid update, idleLive and folders included
        ((com.fasterxml.jackson.databind.node.ObjectNode) got).put("name", "edited copy");
        assertEquals("edited copy", ok(200, send("PUT", "/api/accounts/" + id, got.toString())).get("name").asText());
        assertEquals(List.of("INBOX", "Lists/a, b"), fixture.services().imapOptions().get(id).folders());

        JsonNode listed = ok(200, send("GET", "/api/accounts", null));
        assertEquals(3, listed.size());
        assertTrue(listed.get(2).has("folders"));
    }

    @Test
    void badImapInputShouldBeRefusedWith400NamingTheField() throws Exception {
        String pop = AdminClient.JSON.writeValueAsString(account("protocol", "pop3", "folders", List.of("INBOX")));
        assertRefused("POST", "/api/accounts", pop, "folders", "folders is only for IMAP accounts (protocol imap)");
        assertRefused("POST", "/api/accounts", account("protocol", "pop3", "idle", true), "idle", "only for IMAP");
        assertRefused("POST", "/api/accounts", account("protocol", "gopher"), "protocol", "must be pop3 or imap");
        assertRefused("POST", "/api/accounts", account("folders", List.of()), "folders", "at least one folder");
        assertRefused("POST", "/api/accounts", account("folders", "INBOX,Sent"), "folders", "array of folder names");
        assertRefused("POST", "/api/accounts", account("folders", List.of(1)), "folders", "array of folder names");
        assertRefused("POST", "/api/accounts", account("folders", List.of("IN\nBOX")), "folders", "control characters");
        assertRefused("POST", "/api/accounts", account("delete", "immediately", "moveTo", "INBOX"), "moveTo",
                "one of the fetched folders");
        assertRefused("POST", "/api/accounts", account("moveTo", "Done"), "moveTo", "give delete immediately or after-days:N");
        assertRefused("POST", "/api/accounts", account("markSeen", "yes"), "markSeen", "true or false");
        assertEquals(0, fixture.services().accounts().list().size(), "nothing stored");
    }

    @Test
    void switchingProtocolShouldBringThePortAndDropTheImapOptions() throws Exception {
        long id = ok(201, send("POST", "/api/accounts", account("folders", List.of("INBOX", "Work"), "markSeen", true)))
                .get("id").asLong();
        assertRefused("PUT", "/api/accounts/" + id, Map.of("protocol", "pop3", "password", IMAP_PASSWORD,
                "folders", List.of("INBOX")), "folders", "only for IMAP");
        JsonNode pop = ok(200, send("PUT", "/api/accounts/" + id, Map.of("protocol", "pop3", "password", IMAP_PASSWORD)));
        assertEquals(995, pop.get("port").asInt());
        assertFalse(pop.has("folders") || pop.has("idleLive"), pop.toString());
        assertTrue(fixture.services().db().query("SELECT account_id FROM account_imap_folder", rs -> rs.getLong(1)).isEmpty());
        JsonNode back = ok(200, send("PUT", "/api/accounts/" + id, Map.of("protocol", "imap", "password", IMAP_PASSWORD)));
        assertEquals(993, back.get("port").asInt());
        assertEquals("[\"INBOX\"]", back.get("folders").toString());
    }

    @Test
    void downloadNowShouldFetchAnImapAccountAndItsStatusAndMBeanShowTheFolders() throws Exception {
        imap.user("bob", IMAP_PASSWORD);
        ImapServer.Mailbox remote = imap.mailbox("bob", IMAP_PASSWORD);
        String inbox = remote.append("INBOX", "one\n");
        String work = remote.append("Work", "two\n");
        long id = ok(201, send("POST", "/api/accounts", account("port", imap.port(), "security", "none", "enabled", false,
                "folders", List.of("INBOX", "Work"), "markSeen", true))).get("id").asLong();

        assertEquals(202, send("POST", "/api/accounts/" + id + "/download", null).statusCode());
        Eventually.await("the IMAP session", Duration.ofSeconds(15),
                () -> "ok".equals(ok(200, send("GET", "/api/accounts/" + id + "/status", null)).path("lastResult").asText()));
        JsonNode status = ok(200, send("GET", "/api/accounts/" + id + "/status", null));
        assertEquals("[\"INBOX\",\"Work\"]", status.get("folders").toString());
        assertEquals(2, status.get("delivered").asInt(), status.toString());
        assertFalse(status.get("idleLive").asBoolean());
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + inbox)));
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + work)));
        assertEquals(1, remote.flagged("Work", jakarta.mail.Flags.Flag.SEEN), "mark-seen after delivery");

        ObjectName name = AccountMBeans.objectName(id, "bob at imap");
        Eventually.await("MBean registered", Duration.ofSeconds(5), () -> JMX.isRegistered(name));
        assertEquals("imap", JMX.getAttribute(name, "Protocol"));
        assertEquals("INBOX,Work", JMX.getAttribute(name, "Folders"));
        assertEquals(false, JMX.getAttribute(name, "IdleLive"));
        assertEquals("ok", JMX.getAttribute(name, "LastResult"));

        // the hook the IDLE connection sets
        fixture.services().status().idleLive(id, true);
        assertTrue(ok(200, send("GET", "/api/accounts/" + id + "/status", null)).get("idleLive").asBoolean());
        assertEquals(true, JMX.getAttribute(name, "IdleLive"));
        fixture.services().status().idleLive(id, false);
        assertFalse(ok(200, send("GET", "/api/accounts/" + id, null)).get("idleLive").asBoolean());
    }
}
