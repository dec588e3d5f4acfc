package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mailfetch.testsupport.SafetyAsserts.assertDeliveredOnce;
import static org.mailfetch.testsupport.SafetyAsserts.assertNothingLostNothingTwice;
import static org.mailfetch.testsupport.SafetyAsserts.subjectsOnServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/**
 * A connection cut after (or in the middle of) RETR of message k of n, and a server that stops
 * answering, through {@link FaultProxy}: the session replaces the connection and goes on with the
 * other messages; a message cut in the middle fails alone with a clear error naming it; nothing
 * undelivered is deleted, and every message is delivered exactly once.
 */
class ConnectionCutTest {

    private static final int N = 5;
    private static final int K = 3;

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private FaultProxy proxy;
    private MailfetchFixture fixture;
    private GreenMailUser remote;
    private final List<String> subjects = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        proxy = new FaultProxy(pop3.port());
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "1s");
        fixture = new MailfetchFixture(dataDir, p);
        remote = pop3.user("bob", "secret");
        for (int i = 1; i <= N; i++) {
            subjects.add(pop3.deliver(remote, "message " + i, "body of message " + i + "\n"));
        }
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        proxy.close();
        pop3.close();
    }

    @ParameterizedTest(name = "delete={0}")
    @CsvSource({"immediately", "never"})
    void aConnectionCutBetweenMessagesShouldBeReplacedAndTheSessionShouldDeliverEveryMessageOnce(String delete)
            throws Exception {
        Account a = fixture.addAccount("bob", proxy.port(), "bob", "secret", DeleteMode.parse(delete));
        proxy.cutAfterResponse("RETR", K);

        SessionSummary s = fixture.fetch(a.id());

        assertTrue(proxy.faultHappened(), "the proxy cut the connection");
        assertEquals(SessionSummary.Result.OK, s.result(), "RETR " + (K + 1) + " is retried on a new connection: " + s.line());
        assertEquals(N, s.delivered(), s.line());
        assertDeliveredOnce(fixture, subjects);
        assertEquals(N, fixture.ledgerSize(a.id()));
        if (delete.equals("immediately")) {
            assertEquals(N, s.deleted(), "deleted on the new connection: " + s.line());
            assertEquals(List.of(), subjectsOnServer(pop3, remote));
        } else {
            assertEquals(0, s.deleted());
            assertEquals(N, subjectsOnServer(pop3, remote).size());
        }
        assertNoLeftovers();
    }

    @ParameterizedTest(name = "delete={0}")
    @CsvSource({"immediately", "never"})
    void aConnectionCutInsideAMessageShouldFailOnlyThatMessageAndTheNextSessionShouldDeliverItOnce(String delete)
            throws Exception {
        Account a = fixture.addAccount("bob", proxy.port(), "bob", "secret", DeleteMode.parse(delete));
        proxy.cutDuringResponse("RETR", K);

        SessionSummary cut = fixture.fetch(a.id());

        assertTrue(proxy.faultHappened(), "the proxy cut the connection");
        assertEquals(SessionSummary.Result.FAILED, cut.result(), cut.line());
        assertNotNull(cut.error());
        assertTrue(cut.error().startsWith("connection lost"), "a clear error: " + cut.line());
        assertTrue(cut.error().contains("UIDL"), "names the message: " + cut.line());
        assertEquals(N - 1, cut.delivered(), "the messages after the cut are fetched on a new connection: " + cut.line());
        assertEquals(N - 1, fixture.delivered().size(), "a half-received message never reaches the Maildir");
        assertEquals(N - 1, fixture.ledgerSize(a.id()));
        assertNothingLostNothingTwice(fixture, pop3, remote, subjects);
        if (delete.equals("immediately")) {
            assertEquals(N - 1, cut.deleted(), "what is durable is deleted: " + cut.line());
            assertEquals(List.of(subjects.get(K - 1)), subjectsOnServer(pop3, remote), "only the cut message stays");
        } else {
            assertEquals(N, subjectsOnServer(pop3, remote).size());
        }
        assertNoLeftovers();

        SessionSummary next = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertEquals(1, next.downloaded(), "only the cut message is downloaded again");
        assertDeliveredOnce(fixture, subjects);
        if (delete.equals("immediately")) {
            assertEquals(List.of(), subjectsOnServer(pop3, remote));
        } else {
            assertEquals(N, subjectsOnServer(pop3, remote).size());
        }
        assertEquals(List.of(), fixture.services().ledger().failures(a.id()).keySet().stream().toList(),
                "a delivered message's failure count is cleared");
        assertNoLeftovers();
    }

    @Test
    void aServerThatStopsAnsweringShouldTimeOutAndTheSessionShouldGoOnOnANewConnection() throws Exception {
        Account a = fixture.addAccount("bob", proxy.port(), "bob", "secret", DeleteMode.IMMEDIATELY);
        proxy.stallAt("RETR", K);

        long t0 = System.nanoTime();
        SessionSummary s = fixture.fetch(a.id());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(proxy.faultHappened(), "the proxy held RETR " + K);
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "the read timeout (1 s) ends the wait, took " + took);
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertDeliveredOnce(fixture, subjects);
        assertEquals(List.of(), subjectsOnServer(pop3, remote));
        assertEquals("ok", fixture.services().status().get(a.id()).lastResult());
        assertFalse(fixture.services().status().get(a.id()).running());
    }

    /** No half-written file in tmp/ and no spool file outlives a session. */
    private void assertNoLeftovers() throws Exception {
        for (Path dir : new Path[] {dataDir.resolve("mailboxes/example.com/alice/tmp"), dataDir.resolve("spool")}) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.walk(dir)) {
                    assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "leftovers in " + dir);
                }
            }
        }
    }
}
