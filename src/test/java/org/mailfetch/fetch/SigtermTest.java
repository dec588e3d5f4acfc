package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mailfetch.testsupport.SafetyAsserts.assertDeliveredOnce;
import static org.mailfetch.testsupport.SafetyAsserts.assertNothingLostNothingTwice;
import static org.mailfetch.testsupport.SafetyAsserts.subjectsOnServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/**
 * The service (`run`, forked) receives SIGTERM during a delete-immediately session of 50 messages: it finishes
 * the message in hand, commits, DELEs what it delivered, QUITs and exits within the shutdown timeout,
 * leaving nothing half-written; the next session delivers the rest exactly once.
 */
class SigtermTest {

    /** GreenMail answers each RETR after ~44 ms, so 50 messages make a session of a few seconds. */
    private static final int N = 50;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Path dataDir;
    private Pop3Server pop3;
    private FaultProxy proxy;
    private MailfetchFixture fixture;
    private GreenMailUser remote;
    private final List<String> subjects = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dataDir = tmp.resolve("data");
        pop3 = new Pop3Server();
        proxy = new FaultProxy(pop3.port()).delayResponses("RETR", Duration.ofMillis(5));
        fixture = new MailfetchFixture(dataDir);
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

    /**
     * {@code forkOwnsDatabase}: the test closes its own database first, so the service's JVM owns the H2
     * file and H2's shutdown hook runs in the process that is finishing the session.
     */
    @ParameterizedTest(name = "the service owns the database: {0}")
    @ValueSource(booleans = {false, true})
    void sigtermDuringASessionShouldStopCleanlyAndTheNextSessionShouldDeliverTheRestExactlyOnce(boolean forkOwnsDatabase)
            throws Exception {
        Account plain = MailfetchFixture.plain("bob", proxy.port(), "bob", DeleteMode.IMMEDIATELY);
        Account a = fixture.services().accounts().add(new Account(0, plain.name(), true, "pop3", plain.host(),
                plain.port(), plain.security(), plain.userName(), null, 1, false, plain.recipientHeaders(),
                plain.envelopeHeaders(), false, false, false, false, plain.deleteMode(), plain.ownerAddress(),
                plain.createdAt()), "secret");
        if (forkOwnsDatabase) {
            fixture.close();
        }

        int landedAtSigterm;
        Duration stopping;
        try (ForkedMailfetch service = ForkedMailfetch.start(dataDir, tmp.resolve("service.log"),
                Map.of("mailfetch.fetch.batch-size", "5", "mailfetch.fetch.lease", "2s",
                        "camel.main.shutdown-timeout", String.valueOf(SHUTDOWN_TIMEOUT.toSeconds())),
                List.of(), "run")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (inNew() < 10) {
                assertTrue(service.process().isAlive() && System.nanoTime() < deadline,
                        "the scheduled session delivers\n" + service.output());
                Thread.sleep(5);
            }
            landedAtSigterm = inNew();
            long t0 = System.nanoTime();
            service.terminate();
            service.exitCode(SHUTDOWN_TIMEOUT.plusSeconds(5));
            stopping = Duration.ofNanos(System.nanoTime() - t0);
            assertTrue(service.output().contains("session"), service.output());
            System.out.println("stopped " + stopping.toMillis() + " ms after SIGTERM; " + landedAtSigterm
                    + " files in new/ at SIGTERM\n" + service.output());
        }

        if (forkOwnsDatabase) {
            fixture = new MailfetchFixture(dataDir);
        }
        int delivered = fixture.delivered().size();
        assertTrue(delivered >= landedAtSigterm && delivered < N, delivered + " delivered before the stop");
        assertEquals(List.of(), files(dataDir.resolve("mailboxes/example.com/alice/tmp")), "nothing half-written in tmp/");
        assertEquals(List.of(), files(dataDir.resolve("spool")), "no spool file left");
        assertNothingLostNothingTwice(fixture, pop3, remote, subjects);
        assertEquals(N - delivered, subjectsOnServer(pop3, remote).size(),
                "QUIT was sent: what was delivered is deleted, the rest is still there");
        assertEquals("ok", fixture.services().status().get(a.id()).lastResult(), "a clean stop, not a failure");

        SessionSummary next = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertEquals(N - delivered, next.downloaded(), next.line());
        assertDeliveredOnce(fixture, subjects);
        assertEquals(List.of(), subjectsOnServer(pop3, remote));
    }

    private int inNew() {
        return files(dataDir.resolve("mailboxes/example.com/alice/new")).size();
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
