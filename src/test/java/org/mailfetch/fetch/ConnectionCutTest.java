package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.mailfetch.account.Account;
import org.mailfetch.account.DeleteMode;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/**
 * A connection cut after (or in the middle of) RETR of message k of n, and a server that stops
 * answering, through {@link FaultProxy}: the session fails with a clear error, nothing undelivered is
 * deleted, and the next session delivers the rest, every message exactly once.
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

    @ParameterizedTest(name = "delete={0}, cut {1} RETR " + K)
    @CsvSource({"immediately, after", "immediately, during", "never, after", "never, during"})
    void aCutConnectionShouldFailTheSessionDeleteNothingUndeliveredAndTheNextSessionShouldDeliverTheRestOnce(
            String delete, String where) throws Exception {
        Account a = fixture.addAccount("bob", proxy.port(), "bob", "secret", DeleteMode.parse(delete));
        if (where.equals("after")) {
            proxy.cutAfterResponse("RETR", K);
        } else {
            proxy.cutDuringResponse("RETR", K);
        }

        SessionSummary cut = fixture.fetch(a.id());

        assertTrue(proxy.faultHappened(), "the proxy cut the connection");
        assertEquals(SessionSummary.Result.FAILED, cut.result(), cut.line());
        assertNotNull(cut.error());
        assertTrue(cut.error().startsWith("connection lost"), "a clear error: " + cut.line());
        int complete = where.equals("after") ? K : K - 1;
        assertEquals(complete, cut.delivered(), "messages received whole before the cut are delivered: " + cut.line());
        assertEquals(complete, fixture.delivered().size(), "a half-received message never reaches the Maildir");
        assertEquals(0, cut.deleted(), "without QUIT no DELE takes effect: " + cut.line());
        assertEquals(N, subjectsOnServer(pop3, remote).size(), "the server still holds every message");
        assertNothingLostNothingTwice(fixture, pop3, remote, subjects);
        assertEquals(complete, fixture.ledgerSize(a.id()), "the delivered messages are in the ledger");
        assertNoLeftovers();

        SessionSummary next = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertEquals(N - complete, next.downloaded(), "only the undelivered messages are downloaded again");
        assertDeliveredOnce(fixture, subjects);
        if (delete.equals("immediately")) {
            assertEquals(N, next.deleted(), "the rows of the cut session are due too: " + next.line());
            assertEquals(List.of(), subjectsOnServer(pop3, remote));
        } else {
            assertEquals(N, subjectsOnServer(pop3, remote).size());
        }
        assertNoLeftovers();
    }

    @Test
    void aServerThatStopsAnsweringShouldTimeOutAndBeRecordedAsFailedThenTheNextSessionDeliversTheRestOnce()
            throws Exception {
        Account a = fixture.addAccount("bob", proxy.port(), "bob", "secret", DeleteMode.IMMEDIATELY);
        proxy.stallAt("RETR", K);

        long t0 = System.nanoTime();
        SessionSummary stalled = fixture.fetch(a.id());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(proxy.faultHappened(), "the proxy held RETR " + K);
        assertEquals(SessionSummary.Result.FAILED, stalled.result(), stalled.line());
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "the read timeout (1 s) ends the session, took " + took);
        List<String[]> row = fixture.services().db().query(
                "SELECT last_result, last_error FROM account_status WHERE account_id = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, a.id());
        assertEquals(1, row.size());
        assertEquals("failed", row.get(0)[0]);
        assertNotNull(row.get(0)[1]);
        assertTrue(row.get(0)[1].startsWith("timed out"), "last_error says it timed out: " + row.get(0)[1]);
        assertEquals(K - 1, fixture.delivered().size());
        assertNothingLostNothingTwice(fixture, pop3, remote, subjects);
        proxy.dropConnections();

        SessionSummary next = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertDeliveredOnce(fixture, subjects);
        assertEquals(List.of(), subjectsOnServer(pop3, remote));
        assertEquals("ok", fixture.services().status().get(a.id()).lastResult());
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
