package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Scanning;

/**
 * Two byte-identical messages under different UIDLs in one session (found by the review of the fifth
 * session's change; it failed on main too). Base names follow the content, so both got one staging
 * name: staging the second replaced the first's staged file, and the batch's commit then failed
 * renaming it a second time; in two batches, the first batch could rename and record the second's
 * file, which it never fsynced. Now the mailbox knows what the session staged: one file, both
 * recorded and deleted.
 */
@Timeout(60)
class ByteIdenticalMessagesTest {

    @TempDir
    Path dataDir;

    private ScriptedPop3 server;
    private MailfetchFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3();
    }

    private void start(int batchSize) throws Exception {
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.batch-size", Integer.toString(batchSize));
        fixture = new MailfetchFixture(dataDir, p);
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
        server.close();
    }

    @Test
    void byteIdenticalMessagesInOneBatchShouldNotFailTheBatch() throws Exception {
        start(200);
        server.add("a", "same", "same body");
        server.add("b", "same", "same body");
        server.add("c", "other", "other body");
        Account a = fixture.addAccount("dup", server.port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(2, fixture.delivered().size(), s.line());
        assertEquals(0, server.messages.size(), s.line());
    }

    @Test
    void byteIdenticalMessagesInTwoBatchesShouldLeaveOneFileAndBothBeDeleted() throws Exception {
        start(1);
        server.add("a", "same", "same body");
        server.add("b", "other", "other body");
        server.add("c", "same", "same body");
        server.add("d", "same", "same body");
        Account a = fixture.addAccount("dup", server.port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        List<String> files = fixture.delivered();
        assertEquals(2, files.size(), s.line());
        assertEquals(1, files.stream().filter(f -> f.contains("Subject: same\n\nsame body\n")).count());
        assertEquals(0, server.messages.size(), "all four recorded and deleted: " + s.line());

        server.add("e", "same", "same body"); // the same bytes again, in a later session: already in the Maildir
        SessionSummary again = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.OK, again.result(), again.line());
        assertEquals(2, fixture.delivered().size(), again.line());
        assertEquals(0, server.messages.size(), again.line());
    }

    @Test
    void byteIdenticalSpamShouldBeHeldOnceForEachMessage() throws Exception {
        // spamd says spam above the delete score for everything: both messages are quarantined
        try (ServerSocket spamd = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answers = new Thread(() -> answerSpam(spamd), "fake-spamd");
            answers.setDaemon(true);
            answers.start();
            Properties p = new Properties();
            p.setProperty("mailfetch.antispam.host", "127.0.0.1");
            p.setProperty("mailfetch.antispam.port", Integer.toString(spamd.getLocalPort()));
            p.setProperty("mailfetch.antispam.mark-score", "5");
            p.setProperty("mailfetch.antispam.delete-score", "10");
            fixture = new MailfetchFixture(dataDir, p);
            server.add("a", "same", "same body");
            server.add("b", "same", "same body");
            Account a = Scanning.addAccount(fixture, server.port(), "u", true, false);

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, s.result(), s.line());
            assertEquals(2, s.quarantined(), s.line());
            List<QuarantineItem> held = Scanning.quarantine(fixture).list();
            assertEquals(2, held.size());
            assertEquals(2, held.stream().map(QuarantineItem::fileName).distinct().count(), "a file each: " + held);
            for (QuarantineItem item : held) {
                assertTrue(Files.readString(Scanning.quarantine(fixture).dir().resolve(item.fileName())).endsWith("same body\n"));
            }
            assertEquals(0, server.messages.size(), s.line());
        }
    }

    private static void answerSpam(ServerSocket spamd) {
        while (!spamd.isClosed()) {
            try (Socket c = spamd.accept()) {
                c.getInputStream().readAllBytes(); // the client ends its request with a half-close
                c.getOutputStream().write("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 30.0 / 5.0\r\n\r\nTEST_RULE\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed at the end of the test
            }
        }
    }
}
