package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;

class LoginFailureTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private GreenMailUser ivan;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        ivan = pop3.user("ivan", "right");
        pop3.deliver(ivan);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void wrongPasswordShouldRecordTheErrorAndDeleteNothing() throws Exception {
        Account a = fixture.addAccount("ivan", pop3.port(), "ivan", "wrong", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result());
        assertTrue(s.error().startsWith("login refused"), s.error());
        AccountStatus status = fixture.services().status().get(a.id());
        assertEquals("failed", status.lastResult());
        assertTrue(status.lastError().startsWith("login refused"), status.lastError());
        assertEquals(1, status.loginFailures());
        assertEquals(1, pop3.remaining(ivan));
        assertTrue(fixture.delivered().isEmpty());
    }

    @Test
    void refusedConnectionShouldBeRecordedAsSuch() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Account a = fixture.addAccount("nobody", closedPort, "ivan", "right", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result());
        assertTrue(s.error().startsWith("connection refused"), s.error());
        assertEquals(0, fixture.services().status().get(a.id()).loginFailures(), "not a login failure");
    }

    @Test
    void repeatedLoginFailuresShouldBackOffScheduledRunsAndASuccessShouldReset() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        Account a = fixture.addAccount("ivan", pop3.port(), "ivan", "wrong", DeleteMode.IMMEDIATELY);
        try (FetchEngine engine = new FetchEngine(fixture.services(), FetchEngine.Mode.SINGLE_SESSION, clock)) {
            engine.start();
            for (int i = 1; i <= 2; i++) {
                assertEquals(SessionSummary.Result.FAILED, scheduled(engine, a).result());
                assertNull(fixture.services().status().get(a.id()).backoffUntil(), "no back-off after " + i);
            }
            assertEquals(SessionSummary.Result.FAILED, scheduled(engine, a).result());
            AccountStatus third = fixture.services().status().get(a.id());
            assertEquals(3, third.loginFailures());
            assertEquals(clock.instant().plus(Duration.ofMinutes(60)), third.backoffUntil(), "interval 30 min doubled");

            clock.advance(Duration.ofMinutes(31));
            SessionSummary skipped = scheduled(engine, a);
            assertEquals(SessionSummary.Result.SKIPPED, skipped.result());
            assertTrue(skipped.error().contains("backing off"), skipped.error());

            clock.advance(Duration.ofMinutes(30));
            scheduled(engine, a);
            AccountStatus fourth = fixture.services().status().get(a.id());
            assertEquals(clock.instant().plus(Duration.ofMinutes(120)), fourth.backoffUntil(), "doubled again");

            fixture.services().accounts().update(a, "right");
            SessionSummary explicit = engine.fetchOnce(a.id());
            assertEquals(SessionSummary.Result.OK, explicit.result(), "download now ignores the back-off");
            AccountStatus ok = fixture.services().status().get(a.id());
            assertEquals(0, ok.loginFailures());
            assertNull(ok.backoffUntil());
            assertNotNull(ok.nextRun());
        }
        assertEquals(1, fixture.delivered().size());
    }

    @Test
    void lowDiskShouldKeepSessionsFromStartingAndSaySo() throws Exception {
        fixture.close();
        Properties huge = new Properties();
        huge.setProperty("mailfetch.fetch.min-free-disk", "1000000GiB");
        fixture = new MailfetchFixture(dataDir, huge);
        Account a = fixture.addAccount("ivan", pop3.port(), "ivan", "right", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.SKIPPED, s.result());
        assertTrue(s.error().startsWith("low disk"), s.error());
        assertTrue(fixture.services().status().get(a.id()).lastError().startsWith("low disk"));
        assertEquals(1, pop3.remaining(ivan));
    }

    private static SessionSummary scheduled(FetchEngine engine, Account a) {
        return engine.camel().createProducerTemplate().requestBodyAndHeaders(FetchSessions.ENDPOINT, null,
                Map.of(FetchSessions.ACCOUNT_ID, a.id(), FetchSessions.TRIGGER, FetchSessions.Trigger.SCHEDULE.name()),
                SessionSummary.class);
    }
}
