package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.testsupport.CliCapture;

/**
 * Each kind of error on the command line: bad input exits 2 with the usage; not found, a conflict and
 * the database failing exit 1 with the reason on stderr and no usage (never 2).
 */
class ErrorKindsCliTest {

    @TempDir
    Path dataDir;

    @Test
    void notFoundShouldExit1WithTheReason() {
        CliCapture.Result r = run("account", "show", "999");
        assertFailed(r, "no account 999");
        assertFailed(run("domain", "remove", "nowhere.example"), "no domain nowhere.example");
        assertFailed(run("outbox", "retry", "42"), "no outbox entry 42");
    }

    @Test
    void aConflictShouldExit1WithTheReason() {
        assertEquals(0, run("domain", "add", "example.com").exit());
        assertEquals(0, run("mailbox", "add", "alice@example.com").exit());
        assertFailed(run("domain", "add", "example.com"), "domain example.com exists already");
        assertFailed(run("domain", "remove", "example.com"), "still has mailboxes");
        assertFailed(run("route", "add", "example.com", "--host", "relay.example", "--port", "25"), "is a local domain");
    }

    @Test
    void badInputShouldExit2WithUsage() {
        CliCapture.Result r = run("route", "add", "partner.example", "--host", "relay.example", "--port", "0");
        assertEquals(2, r.exit(), err(r));
        assertTrue(err(r).contains("port must be 1..65535"), err(r));
        assertTrue(err(r).contains("Usage:"), err(r));
        // picocli's own conversion of a parameter stays a usage error
        r = run("account", "show", "not-a-number");
        assertEquals(2, r.exit(), err(r));
        assertTrue(err(r).contains("Usage:"), err(r));
    }

    @Test
    void theDatabaseFailingShouldExit1NotAsBadInput() throws Exception {
        assertEquals(0, run("domain", "add", "example.com").exit());
        Path db = dataDir.resolve("mailfetch.mv.db");
        byte[] garbage = new byte[(int) Files.size(db)];
        Arrays.fill(garbage, (byte) 'x');
        Files.write(db, garbage); // the database file is broken

        for (String[] args : new String[][] {{"domain", "add", "example.com"}, {"domain", "list"},
                {"account", "show", "1"}}) {
            CliCapture.Result r = run(args);
            assertFailed(r, "cannot open the database");
        }
    }

    private CliCapture.Result run(String... args) {
        return CliCapture.run(dataDir, args);
    }

    private static void assertFailed(CliCapture.Result r, String reason) {
        assertEquals(1, r.exit(), err(r));
        assertTrue(err(r).contains("mailfetch: ") && err(r).contains(reason), err(r));
        assertFalse(err(r).contains("Usage:"), "not a usage error: " + err(r));
        assertFalse(err(r).contains("\tat org."), "no stack trace: " + err(r));
    }

    private static String err(CliCapture.Result r) {
        return r.err().toString(StandardCharsets.UTF_8);
    }
}
