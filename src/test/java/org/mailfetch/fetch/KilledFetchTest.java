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
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/**
 * `account fetch` in a forked JVM, killed with SIGKILL in the middle of a delete-immediately session
 * of 60 messages (batches of 5), at three points: waiting for RETR 13 (two batches committed, more
 * staged in tmp/), halfway through a running session, and holding the first DELE after every message was delivered and recorded.
 * The next session, in this JVM, must deliver every message exactly once and empty the server; one
 * more session purges the ledger.
 */
class KilledFetchTest {

    /** GreenMail answers each RETR after ~44 ms (Nagle against delayed ACK on its side), so n stays modest. */
    private static final int N = 60;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    enum KillPoint {
        /** Two batches durable and recorded, RETR 13 held by the proxy: messages 11-12 staged, not committed. */
        WAITING_FOR_RETR_13(false),
        /** A running session, killed once about half of the messages are in new/; the killed JVM owns the database. */
        HALFWAY(true),
        /** Everything delivered and recorded, the first DELE held: the session ends before any deletion. */
        HOLDING_FIRST_DELE(true);

        final boolean forkOwnsDatabase;

        KillPoint(boolean forkOwnsDatabase) {
            this.forkOwnsDatabase = forkOwnsDatabase;
        }
    }

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
        proxy = new FaultProxy(pop3.port());
        fixture = new MailfetchFixture(dataDir);
        remote = pop3.user("bob", "secret");
        for (int i = 1; i <= N; i++) {
            subjects.add(pop3.deliver(remote, "message " + i, "body of message " + i + "\n"));
        }
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
        proxy.close();
        pop3.close();
    }

    @ParameterizedTest
    @EnumSource(KillPoint.class)
    void aFetchKilledMidSessionShouldLoseNothingAndTheNextSessionShouldDeliverEveryMessageExactlyOnce(KillPoint point)
            throws Exception {
        Account a = fixture.addAccount("bob", proxy.port(), "bob", "secret", DeleteMode.IMMEDIATELY);
        switch (point) {
            case WAITING_FOR_RETR_13 -> proxy.stallAt("RETR", 13);
            case HALFWAY -> proxy.delayResponses("RETR", Duration.ofMillis(5));
            case HOLDING_FIRST_DELE -> proxy.stallAt("DELE", 1);
        }
        if (point.forkOwnsDatabase) {
            fixture.close();
            fixture = null;
        }

        try (ForkedMailfetch fork = ForkedMailfetch.start(dataDir, tmp.resolve("fork.log"),
                Map.of("mailfetch.fetch.batch-size", "5", "mailfetch.fetch.lease", "2s"), List.of(),
                "account", "fetch", String.valueOf(a.id()))) {
            switch (point) {
                case WAITING_FOR_RETR_13 -> {
                    assertTrue(proxy.awaitFault(PATIENCE), "RETR 13 reached\n" + fork.output());
                    await(() -> inNew() == 10, fork, "the first two batches in new/");
                }
                case HALFWAY -> await(() -> inNew() >= N / 2, fork, "half of the messages in new/");
                case HOLDING_FIRST_DELE -> assertTrue(proxy.awaitFault(PATIENCE), "DELE reached\n" + fork.output());
            }
            assertTrue(fork.process().isAlive(), "killed mid-session, not after it\n" + fork.output());
            fork.kill();
        }
        proxy.dropConnections();
        int landed = inNew();
        assertTrue(landed > 0 && (landed < N || point == KillPoint.HOLDING_FIRST_DELE), landed + " files in new/");
        if (fixture == null) {
            fixture = new MailfetchFixture(dataDir);
        }
        assertEquals(N, subjectsOnServer(pop3, remote).size(), "no DELE reached the server");
        assertNothingLostNothingTwice(fixture, pop3, remote, subjects);

        SessionSummary next = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, next.result(), next.line());
        assertEquals(N, next.deleted(), next.line());
        if (point == KillPoint.HOLDING_FIRST_DELE) {
            assertEquals(0, next.downloaded(), "every message was recorded before the kill: " + next.line());
        }
        assertDeliveredOnce(fixture, subjects);
        assertEquals(List.of(), subjectsOnServer(pop3, remote), "the server is empty");
        assertEquals(List.of(), files(dataDir.resolve("mailboxes/example.com/alice/tmp")), "nothing half-written in tmp/");
        assertEquals(List.of(), files(dataDir.resolve("spool")), "no spool file left");

        fixture.fetch(a.id());
        assertEquals(0, fixture.ledgerSize(a.id()), "the ledger is purged once the server listing shows the messages gone");
        assertDeliveredOnce(fixture, subjects);
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
            return List.of(); // a file renamed while walking: ask again
        }
    }

    private static void await(BooleanSupplier condition, ForkedMailfetch fork, String what) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (!fork.process().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("never saw " + what + "\n" + fork.output());
            }
            Thread.sleep(2);
        }
    }
}
