package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/** "Download now" is never lost, and one session per account holds across processes. */
class DownloadNowTest {

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
        for (int i = 0; i < 10; i++) {
            pop3.deliver(kim);
        }
        slow = new FaultProxy(pop3.port()).delayResponses("RETR", Duration.ofMillis(150));
    }

    @AfterEach
    void tearDown() {
        slow.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void downloadNowWhileTheAccountsSessionRunsShouldRunAnotherSessionRightAfterIt() throws Exception {
        Account a = fixture.addAccount("kim", slow.port(), "kim", "pw", DeleteMode.NEVER);
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("the scheduled session has listed the mailbox", Duration.ofSeconds(10),
                    () -> fixture.services().status().get(a.id()).running());
            Thread.sleep(300);
            String late = pop3.deliver(kim, "arrived during the session", "late\n");

            service.sessions().downloadNow(a.id());

            Eventually.await("the late message fetched by the remembered request", Duration.ofSeconds(20),
                    () -> fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + late + "\n")));
            Eventually.await("no session running", Duration.ofSeconds(5),
                    () -> !fixture.services().status().get(a.id()).running());
            assertEquals(1, fixture.services().status().get(a.id()).downloaded(),
                    "the late message came in a second session, not in the first listing");
        }
        assertEquals(11, fixture.delivered().size(), "each message once");
    }

    @Test
    void accountFetchShouldWaitWhileAnotherProcessHoldsTheAccountsLease() throws Exception {
        Account a = fixture.addAccount("kim", pop3.port(), "kim", "pw", DeleteMode.IMMEDIATELY);
        AccountLease otherProcess = new AccountLease(fixture.services().db(), Clock.systemUTC(), Duration.ofMinutes(2));
        assertTrue(otherProcess.tryAcquire(a.id(), "other-process"));

        CompletableFuture<SessionSummary> cli = CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.fetch(a.id());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1500);
        assertTrue(!cli.isDone(), "waits for the lease");
        assertEquals(10, pop3.remaining(kim));

        otherProcess.release(a.id(), "other-process");
        SessionSummary s = cli.get(20, TimeUnit.SECONDS);
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(10, s.delivered());
        assertEquals(0, pop3.remaining(kim));
    }

    @Test
    void manyDownloadNowRequestsShouldNotEachLeaveAThreadBehind() throws Exception {
        Account a = fixture.addAccount("kim", pop3.port(), "kim", "pw", DeleteMode.NEVER);
        fixture.services().accounts().setEnabled(a.id(), false); // only the requests start sessions
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            service.sessions().downloadNow(a.id());
            Eventually.await("the first request fetched the mailbox", Duration.ofSeconds(20),
                    () -> fixture.delivered().size() == 10);
            int before = Thread.activeCount();
            for (int i = 0; i < 60; i++) {
                Instant last = fixture.services().status().get(a.id()).lastEnd();
                service.sessions().downloadNow(a.id());
                Eventually.await("request " + i + " served", Duration.ofSeconds(10), () -> {
                    var st = fixture.services().status().get(a.id());
                    return !st.running() && st.lastEnd() != null && (last == null || st.lastEnd().isAfter(last));
                });
            }
            int grown = Thread.activeCount() - before;
            // a template per request kept a pool thread each for a minute: 60 requests, 60 threads
            assertTrue(grown < 20, grown + " more threads after 60 download-now requests");
        }
        assertEquals(10, fixture.delivered().size(), "each message once");
    }
}
