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
}
