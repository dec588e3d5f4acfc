package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.testsupport.CliCapture;

/** domain options, alias, list, route and outbox on the command line. */
class RecipientsCliTest {

    @TempDir
    Path dataDir;

    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @Test
    void directoryCommandsShouldPrintOnlyTheNameOnAddAndOneItemPerLineOnList() {
        assertEquals(0, run("domain", "add", "example.com", "--catch-all", "Alice@example.com"));
        assertEquals("example.com\n", out.toString());
        assertEquals(0, run("domain", "add", "store.example", "--lmtp", "127.0.0.1:24"));
        assertEquals(0, run("mailbox", "add", "alice@example.com"));
        assertEquals(0, run("alias", "add", "Sales@example.com", "alice@example.com", "bob@example.com"));
        assertEquals("sales@example.com\n", out.toString());
        assertEquals(0, run("list", "add", "team@example.com", "alice@example.com", "sales@example.com"));
        assertEquals("team@example.com\n", out.toString());

        assertEquals(0, run("domain", "list"));
        assertEquals("example.com\tcatch-all=alice@example.com\nstore.example\tlmtp=127.0.0.1:24\n", out.toString());
        assertEquals(0, run("domain", "update", "example.com", "--no-catch-all", "--lmtp", "unix:/run/dovecot/lmtp"));
        assertEquals(0, run("domain", "list", "--json"));
        assertTrue(out.toString().contains("\"lmtp\" : \"unix:/run/dovecot/lmtp\""), out.toString());
        assertTrue(out.toString().contains("\"catchAll\" : null"), out.toString());
        assertEquals(0, run("alias", "list"));
        assertEquals("sales@example.com\talice@example.com bob@example.com\n", out.toString());
        assertEquals(0, run("list", "list", "--json"));
        assertTrue(out.toString().contains("\"members\" : [ \"alice@example.com\", \"sales@example.com\" ]"), out.toString());
        assertEquals(0, run("alias", "remove", "sales@example.com"));
        assertEquals(0, run("list", "remove", "team@example.com"));
        assertEquals(0, run("alias", "list"));
        assertEquals("", out.toString());
        assertEquals(1, run("alias", "add", "x@elsewhere.org", "alice@example.com"), "alias outside local domains");
    }

    @Test
    void routeCommandsShouldTakeThePasswordOnlyFromTheEnvironmentAndNeverShowIt() {
        assertEquals(0, run("route", "add", "Partner.example", "--host", "127.0.0.1", "--port", "2525"));
        assertEquals("partner.example\n", out.toString());
        assertEquals(0, run("route", "list"));
        assertEquals("partner.example\tsmtp://127.0.0.1:2525\n", out.toString());
        assertEquals(2, run("route", "add", "other.example", "--host", "h", "--port", "25", "--user", "u"),
                "a user needs --password-env");
        assertEquals(2, run("route", "add", "other.example", "--host", "h", "--port", "25", "--user", "u",
                "--password-env", "MAILFETCH_TEST_UNSET_VARIABLE"));
        assertEquals(0, run("route", "remove", "partner.example"));
        assertEquals(0, run("route", "list", "--json"));
        assertEquals("[ ]\n", out.toString());
    }

    @Test
    void outboxCommandsShouldListNothingAndRefuseAnUnknownId() {
        assertEquals(0, run("outbox", "list"));
        assertEquals("", out.toString());
        assertEquals(1, run("outbox", "retry", "42"));
        assertTrue(err.toString().contains("no outbox entry 42"), err.toString());
    }

    private int run(String... args) {
        CliCapture.Result r = CliCapture.run(dataDir, args);
        out = r.out();
        err = r.err();
        return r.exit();
    }
}
