package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/** "Download now" requests made on another node: each runs one session on the lease holder, no more. */
class SharedDownloadRequestsTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private FaultProxy slow;
    private MailfetchFixture fixture;
    private GreenMailUser kim;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        kim = pop3.user("kim", "pw");
        for (int i = 0; i < 5; i++) {
            pop3.deliver(kim);
        }
        slow = new FaultProxy(pop3.port()).delayResponses("RETR", Duration.ofMillis(200));
    }

    @AfterEach
    void tearDown() {
        slow.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void aRequestFromANodeWhoseClockIsAheadShouldRunOneSessionNotOneAfterAnother() throws Exception {
        Account a = fixture.addAccount("kim", slow.port(), "kim", "pw", DeleteMode.NEVER);
        fixture.services().accounts().setEnabled(a.id(), false); // only the requests start sessions
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            AtomicInteger sessions = new AtomicInteger();
            service.sessions().setObserver(s -> sessions.incrementAndGet());
            service.sessions().downloadNow(a.id());
            Eventually.await("this node's session runs", Duration.ofSeconds(10),
                    () -> fixture.services().status().get(a.id()).running());
            // another node, its clock 30 s ahead, asks while this node runs the account's session
            new DownloadRequests(fixture.services().db()).record(a.id(), Instant.now().plusSeconds(30));

            Eventually.await("both requests served", Duration.ofSeconds(20), () -> sessions.get() >= 2
                    && !fixture.services().status().get(a.id()).running());
            Thread.sleep(3000);
            assertEquals(2, sessions.get(), "one session for this node's request, one for the other's");
            assertTrue(fixture.services().db().query("SELECT 1 FROM download_request", rs -> 1).isEmpty(),
                    "no request left waiting");
        }
        assertEquals(5, fixture.delivered().size(), "each message once");
    }

    @Test
    void aRequestAnotherNodesSessionServedMeanwhileShouldNotRunASecondSessionHere() throws Exception {
        fixture.close();
        java.util.Properties one = new java.util.Properties();
        one.setProperty("mailfetch.fetch.max-concurrent-sessions", "1");
        fixture = new MailfetchFixture(dataDir, one);
        Account x = fixture.addAccount("kim", slow.port(), "kim", "pw", DeleteMode.NEVER);
        GreenMailUser lee = pop3.user("lee", "pw");
        for (int i = 0; i < 10; i++) {
            pop3.deliver(lee);
        }
        Account y = fixture.addAccount("lee", slow.port(), "lee", "pw", DeleteMode.NEVER);
        fixture.services().accounts().setEnabled(x.id(), false); // only the requests start sessions
        fixture.services().accounts().setEnabled(y.id(), false);
        DownloadRequests nodeA = new DownloadRequests(fixture.services().db());
        AccountLease leaseOfA = new AccountLease(fixture.services().db(), Clock.systemUTC(), Duration.ofMinutes(1));
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            AtomicInteger sessionsOfX = new AtomicInteger();
            service.sessions().setObserver(s -> {
                if (s.accountId() == x.id() && s.result() != SessionSummary.Result.SKIPPED) {
                    sessionsOfX.incrementAndGet();
                }
            });
            service.sessions().downloadNow(x.id());
            Eventually.await("x's session runs here", Duration.ofSeconds(10),
                    () -> fixture.services().status().get(x.id()).running());
            service.sessions().downloadNow(y.id()); // waits for the one session permit
            nodeA.record(x.id(), Instant.now()); // node A asks while this node runs x's session
            // x's session ends: this node finds A's request and queues a session for it behind y's
            Eventually.await("y's session runs", Duration.ofSeconds(20),
                    () -> fixture.services().status().get(y.id()).running());
            Thread.sleep(300);
            // meanwhile node A's own session for its request takes x's lease, serves the request, ends
            assertTrue(leaseOfA.tryAcquire(x.id(), "node-a"));
            nodeA.servedBy(x.id());
            leaseOfA.release(x.id(), "node-a");

            Eventually.await("y's session ended", Duration.ofSeconds(20),
                    () -> !fixture.services().status().get(y.id()).running());
            Thread.sleep(2000);
            assertEquals(1, sessionsOfX.get(), "A's request was served by A's session: no second session here");
        }
    }
}
