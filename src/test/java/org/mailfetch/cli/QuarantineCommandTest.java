package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Properties;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.Scanning;

/**
 * {@code quarantine list|release|delete}. Mail gets into quarantine without any daemon: spamd is
 * down and mailfetch.scanner-unavailable is quarantine.
 */
class QuarantineCommandTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private final PrintStream realOut = System.out;
    private ByteArrayOutputStream out;
    private String first;
    private String second;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        GreenMailUser remote = pop3.user("bob", "secret");
        first = pop3.deliver(remote, "first " + System.nanoTime(), "one\n");
        second = pop3.deliver(remote, "second " + System.nanoTime(), "two\n");
        Properties p = new Properties();
        p.setProperty("mailfetch.antispam.port", String.valueOf(Scanning.closedPort()));
        p.setProperty("mailfetch.scanner-unavailable", "quarantine");
        try (MailfetchFixture f = new MailfetchFixture(dataDir, p)) {
            Account a = Scanning.addAccount(f, pop3.port(), "bob", true, false);
            assertEquals(2, f.fetch(a.id()).quarantined());
        }
        System.setProperty("mailfetch.fetch.min-free-disk", "1MiB");
    }

    @AfterEach
    void tearDown() {
        System.setOut(realOut);
        System.clearProperty("mailfetch.fetch.min-free-disk");
        pop3.close();
    }

    private int run(String... args) {
        out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        String[] full = new String[args.length + 2];
        full[0] = "--data-dir";
        full[1] = dataDir.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        return Cli.execute(full);
    }

    @Test
    void listShouldPrintOneItemPerLineIdFirstAndJsonOnRequest() {
        assertEquals(0, run("quarantine", "list"));
        String[] lines = out.toString().split("\n");
        assertEquals(2, lines.length, out.toString());
        assertTrue(lines[0].matches("\\d+\t.*\tunscanned\tspamd at 127\\.0\\.0\\.1:\\d+ unavailable .*\t" + first), lines[0]);
        assertTrue(lines[1].endsWith("\tsender@example.org\t" + second), lines[1]);

        assertEquals(0, run("quarantine", "list", "--json"));
        assertTrue(out.toString().contains("\"kind\" : \"unscanned\"") && out.toString().contains(first), out.toString());
    }

    @Test
    void releaseShouldDeliverToTheOwnerAndDeleteShouldDropTheItem() throws Exception {
        run("quarantine", "list");
        String[] lines = out.toString().split("\n");
        String releaseId = lines[0].split("\t")[0];
        String deleteId = lines[1].split("\t")[0];

        assertEquals(0, run("quarantine", "release", releaseId));
        assertEquals(0, run("quarantine", "delete", deleteId));

        assertEquals(0, run("quarantine", "list"));
        assertEquals("", out.toString());
        try (MailfetchFixture f = new MailfetchFixture(dataDir)) {
            assertEquals(1, f.delivered().size());
            assertTrue(f.delivered().get(0).contains("Subject: " + first));
            assertTrue(f.delivered().get(0).startsWith("X-Mailfetch-Account: bob\n"), f.delivered().get(0));
        }
        assertEquals(1, run("quarantine", "release", releaseId), "already released");
    }
}
