package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.fetch.AccountStatus;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * IMAP IDLE against GreenMail, in the running service: mail appended while the account idles is
 * delivered within seconds though its interval is 30 minutes; a server without IDLE is polled and
 * the status says so; a cut connection is reconnected; disabling the account ends its watch.
 */
class ImapIdleTest {

    private static final ImapOptions IDLE = new ImapOptions(List.of("INBOX"), null, false, true);

    @TempDir
    Path dataDir;

    private ImapServer imap;
    private ImapServer.Mailbox remote;
    private MailfetchFixture fixture;

    @BeforeEach
    void setUp() {
        imap = new ImapServer();
        imap.user("bob", "secret");
        remote = imap.mailbox("bob", "secret");
        Properties p = new Properties();
        p.setProperty(IdleWatchers.BACKOFF_KEY, "1s");
        p.setProperty(IdleWatchers.BACKOFF_CAP_KEY, "2s");
        p.setProperty(IdleWatchers.READ_TIMEOUT_KEY, "5s");
        fixture = new MailfetchFixture(dataDir, p);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        imap.close();
    }

    private Account idleAccount(int port, ImapOptions options) {
        return fixture.addImapAccount("bob", Security.NONE, port, null, "bob", "secret", DeleteMode.IMMEDIATELY, options);
    }

    private AccountStatus status(Account a) {
        return fixture.services().status().get(a.id());
    }

    private boolean delivered(String subject) throws Exception {
        return fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject + "\n"));
    }

    /** Waits until the timer's first session (at start) is over, so that later mail can only come by IDLE. */
    private void awaitFirstSession(Account a) throws Exception {
        Eventually.await("the first scheduled session ended", Duration.ofSeconds(20),
                () -> status(a).lastEnd() != null && !status(a).running());
    }

    @Test
    void mailAppendedWhileIdlingShouldBeDeliveredWithinSecondsThoughTheIntervalIsThirtyMinutes() throws Exception {
        Account a = idleAccount(imap.port(), IDLE);
        assertEquals(30, a.intervalMinutes());
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("IDLE live", Duration.ofSeconds(20), () -> status(a).idleLive());
            awaitFirstSession(a);
            assertEquals(1, service.idleWatchers().liveConnections());
            io.micrometer.core.instrument.MeterRegistry metrics = service.camel().getRegistry()
                    .findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
            assertEquals(1.0, metrics.get("mailfetch.idle.connections").gauge().value(), "mailfetch_idle_connections");
            assertTrue(status(a).idleNote().contains("INBOX"), status(a).idleNote());

            long start = System.nanoTime();
            String subject = remote.append("INBOX", "pushed\n");
            Eventually.await("the appended message delivered", Duration.ofSeconds(10), () -> delivered(subject));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5000, "delivered after " + millis + " ms");

            // a burst: five messages, one session (or two, when one EXISTS comes while it runs), each once
            List<String> burst = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                burst.add(remote.append("INBOX", "burst " + i + "\n"));
            }
            Eventually.await("the burst delivered", Duration.ofSeconds(10), () -> {
                for (String s : burst) {
                    if (!delivered(s)) {
                        return false;
                    }
                }
                return true;
            });
            Eventually.await("the server emptied", Duration.ofSeconds(10), () -> remote.subjects("INBOX").isEmpty());
            assertEquals(6, fixture.delivered().size(), "each message once");
            assertTrue(status(a).idleLive(), "still idling after the sessions");

            fixture.services().accounts().setEnabled(a.id(), false);
            Eventually.await("IDLE ends with the account disabled", Duration.ofSeconds(10),
                    () -> !status(a).idleLive() && service.idleWatchers().liveConnections() == 0);
        }
    }

    @Test
    void aServerWithoutIdleShouldBePolledAndTheStatusShouldSaySo() throws Exception {
        try (FaultProxy noIdle = FaultProxy.imap(imap.port()).hideCapability("IDLE")) {
            String early = remote.append("INBOX", "before start\n");
            Account a = idleAccount(noIdle.port(), IDLE);
            try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
                service.start();
                Eventually.await("the status says IDLE is missing", Duration.ofSeconds(20),
                        () -> status(a).idleNote() != null && status(a).idleNote().contains("lacks IDLE"));
                assertFalse(status(a).idleLive());
                assertTrue(status(a).idleNote().contains("polled every 30 min"), status(a).idleNote());
                Eventually.await("the timer's session fetched the mail", Duration.ofSeconds(20), () -> delivered(early));
                assertEquals(0, service.idleWatchers().liveConnections());
            }
        }
    }

    @Test
    void aCutConnectionShouldBeReconnectedAndMailThatCameMeanwhileFetched() throws Exception {
        try (FaultProxy proxy = FaultProxy.imap(imap.port())) {
            Account a = idleAccount(proxy.port(), IDLE);
            try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
                service.start();
                Eventually.await("IDLE live", Duration.ofSeconds(20), () -> status(a).idleLive());
                awaitFirstSession(a);

                proxy.dropConnections();
                Eventually.await("the cut seen", Duration.ofSeconds(10), () -> !status(a).idleLive());
                assertNotNull(status(a).idleNote());
                assertTrue(status(a).idleNote().startsWith("reconnecting"), status(a).idleNote());
                String meanwhile = remote.append("INBOX", "while cut\n");

                Eventually.await("IDLE live again", Duration.ofSeconds(20), () -> status(a).idleLive());
                Eventually.await("the mail of the gap fetched after the reconnect", Duration.ofSeconds(10),
                        () -> delivered(meanwhile));
                String after = remote.append("INBOX", "after reconnect\n");
                Eventually.await("mail after the reconnect pushed", Duration.ofSeconds(10), () -> delivered(after));
            }
        }
    }
}
