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
    /**
     * How long a push may take here. The accounts poll every 30 minutes, mail meant to be pushed is
     * appended only once the timer's first session is over (and its next one at least 10 minutes
     * off, {@link #awaitFirstSession}), and the account's IDLE must stay live meanwhile (no reconnect
     * and its catch-up session, {@link #awaitPushed}): mail delivered within this came by IDLE. Not a
     * latency bound, so that a loaded machine cannot fail it.
     */
    private static final Duration PUSH_WITHIN = Duration.ofSeconds(30);
    /** Waits for what is not under test (start, login, a session ending): generous, for a loaded machine. */
    private static final Duration SLOW = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;

    private ImapServer imap;
    private ImapServer.Mailbox remote;
    private MailfetchFixture fixture;
    private final Properties p = new Properties();

    @BeforeEach
    void setUp() {
        imap = new ImapServer();
        imap.user("bob", "secret");
        remote = imap.mailbox("bob", "secret");
        p.setProperty(IdleWatchers.BACKOFF_KEY, "1s");
        p.setProperty(IdleWatchers.BACKOFF_CAP_KEY, "2s");
        p.setProperty(IdleWatchers.READ_TIMEOUT_KEY, "5s");
        fixture = new MailfetchFixture(dataDir, p);
    }

    /** The fixture anew, with one more setting. */
    private void refixture(String key, String value) throws Exception {
        fixture.close();
        p.setProperty(key, value);
        Path dir = java.nio.file.Files.createDirectories(dataDir.resolve("again"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        fixture = new MailfetchFixture(dir, p);
    }

    @AfterEach
    void tearDown() {
        IdleWatchers.Hooks.handlerFault = null;
        IdleWatchers.Hooks.firstShardCheck = null;
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

    /**
     * Waits until the timer's first session (at start) is over, so that later mail can only come by
     * IDLE (or a reconnect's catch-up session): the timer's next session is the interval away.
     */
    private void awaitFirstSession(Account a) throws Exception {
        Eventually.await("the first scheduled session ended", SLOW,
                () -> status(a).lastEnd() != null && !status(a).running());
        java.time.Instant next = status(a).nextRun();
        assertTrue(next != null && next.isAfter(java.time.Instant.now().plus(Duration.ofMinutes(10))),
                "the timer's next session must be far off for a delivery to prove push: " + next);
    }

    /**
     * Appends {@code what} to the account's INBOX and waits for it to be delivered by push: within
     * {@link #PUSH_WITHIN}, with the account's IDLE live throughout; a reconnect (whose catch-up
     * session would fetch the mail too) fails. Returns the subject.
     */
    private String awaitPushed(FetchEngine service, Account a, ImapServer.Mailbox box, String what) throws Exception {
        Eventually.await("no session running before " + what, SLOW, () -> !status(a).running());
        assertTrue(service.idleWatchers().live(a.id()), "IDLE live before " + what);
        String subject = box.append("INBOX", what + "\n");
        Eventually.await(what + " pushed", PUSH_WITHIN, () -> {
            assertTrue(service.idleWatchers().live(a.id()), "IDLE stayed live while waiting for " + what);
            return delivered(subject);
        });
        return subject;
    }

    @Test
    void mailAppendedWhileIdlingShouldBeDeliveredWithinSecondsThoughTheIntervalIsThirtyMinutes() throws Exception {
        Account a = idleAccount(imap.port(), IDLE);
        assertEquals(30, a.intervalMinutes());
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("IDLE live", SLOW, () -> status(a).idleLive());
            awaitFirstSession(a);
            assertEquals(1, service.idleWatchers().liveConnections());
            io.micrometer.core.instrument.MeterRegistry metrics = service.camel().getRegistry()
                    .findSingleByType(io.micrometer.core.instrument.MeterRegistry.class);
            assertEquals(1.0, metrics.get("mailfetch.idle.connections").gauge().value(), "mailfetch_idle_connections");
            assertTrue(status(a).idleNote().contains("INBOX"), status(a).idleNote());

            awaitPushed(service, a, remote, "pushed");

            // a burst: five messages, one session (or two, when one EXISTS comes while it runs), each once
            List<String> burst = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                burst.add(remote.append("INBOX", "burst " + i + "\n"));
            }
            Eventually.await("the burst delivered", PUSH_WITHIN, () -> {
                for (String s : burst) {
                    if (!delivered(s)) {
                        return false;
                    }
                }
                return true;
            });
            Eventually.await("the server emptied", SLOW, () -> remote.subjects("INBOX").isEmpty());
            assertEquals(6, fixture.delivered().size(), "each message once");
            assertTrue(status(a).idleLive(), "still idling after the sessions");

            fixture.services().accounts().setEnabled(a.id(), false);
            Eventually.await("IDLE ends with the account disabled", SLOW,
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
                Eventually.await("the status says IDLE is missing", SLOW,
                        () -> status(a).idleNote() != null && status(a).idleNote().contains("lacks IDLE"));
                assertFalse(status(a).idleLive());
                assertTrue(status(a).idleNote().contains("polled every 30 min"), status(a).idleNote());
                Eventually.await("the timer's session fetched the mail", SLOW, () -> delivered(early));
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
                Eventually.await("IDLE live", SLOW, () -> status(a).idleLive());
                awaitFirstSession(a);

                proxy.dropConnections();
                Eventually.await("the cut seen", SLOW, () -> !status(a).idleLive());
                assertNotNull(status(a).idleNote());
                assertTrue(status(a).idleNote().startsWith("reconnecting"), status(a).idleNote());
                String meanwhile = remote.append("INBOX", "while cut\n");

                Eventually.await("IDLE live again", SLOW, () -> status(a).idleLive());
                Eventually.await("the mail of the gap fetched after the reconnect", SLOW,
                        () -> delivered(meanwhile));
                awaitPushed(service, a, remote, "after reconnect");
            }
        }
    }

    /**
     * A response that throws inside a handler on the selector thread (as a hostile server can make
     * Angus do) stops that IdleManager, and Angus ends IDLE for every folder on it: the selector check
     * must replace it and watch the other account's folder anew, so its push goes on.
     */
    @Test
    void aSelectorStoppedByOneAccountShouldNotEndAnotherAccountsPush() throws Exception {
        refixture(IdleWatchers.SHARDS_KEY, "1"); // both accounts on the one selector
        imap.user("carol", "secret2");
        ImapServer.Mailbox carolRemote = imap.mailbox("carol", "secret2");
        Account good = idleAccount(imap.port(), IDLE);
        Account bad = fixture.addImapAccount("carol", Security.NONE, imap.port(), null, "carol", "secret2",
                DeleteMode.IMMEDIATELY, IDLE);
        java.util.concurrent.atomic.AtomicInteger thrown = new java.util.concurrent.atomic.AtomicInteger();
        IdleWatchers.Hooks.handlerFault = (id, f) -> {
            if (id != bad.id()) {
                return;
            }
            try {
                f.doCommand(pr -> {
                    pr.addResponseHandler(r -> {
                        if (r instanceof org.eclipse.angus.mail.imap.protocol.IMAPResponse ir && ir.keyEquals("EXISTS")) {
                            thrown.incrementAndGet();
                            throw new IllegalStateException("hostile response");
                        }
                    });
                    return null;
                });
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        };
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("IDLE live on both", SLOW,
                    () -> status(good).idleLive() && status(bad).idleLive());
            awaitFirstSession(good);

            carolRemote.append("INBOX", "kills the selector\n");
            Eventually.await("the hostile response thrown on the selector", PUSH_WITHIN, () -> thrown.get() > 0);

            // the healthy account's folder was on the stopped selector: this mail comes only once the check
            // has replaced it and the folder is connected anew (its catch-up session), or by push on the
            // fresh selector; without the check, not before the next renewal (25 min) or timer session
            String meanwhile = remote.append("INBOX", "while the selector was dead\n");
            Eventually.await("the healthy account reconnected and fetched", SLOW, () -> delivered(meanwhile));
            Eventually.await("the other account idles again on a fresh selector", SLOW,
                    () -> status(good).idleLive() && service.idleWatchers().live(good.id()));
            awaitPushed(service, good, remote, "pushed after the selector died");
        }
    }

    /**
     * A selector that stops before any check has seen it running (here: the first check is late, as
     * on a loaded machine) is replaced all the same: whether it ended is known from its select loop,
     * not from isRunning(), which also says false before the pool has started the loop.
     */
    @Test
    void aSelectorStoppedBeforeTheFirstCheckShouldStillBeReplaced() throws Exception {
        Duration firstCheck = Duration.ofSeconds(30); // room for the selector to stop first on a loaded machine
        IdleWatchers.Hooks.firstShardCheck = firstCheck;
        refixture(IdleWatchers.SHARDS_KEY, "1"); // both accounts on the one selector
        imap.user("carol", "secret2");
        ImapServer.Mailbox carolRemote = imap.mailbox("carol", "secret2");
        Account good = idleAccount(imap.port(), IDLE);
        Account bad = fixture.addImapAccount("carol", Security.NONE, imap.port(), null, "carol", "secret2",
                DeleteMode.IMMEDIATELY, IDLE);
        java.util.concurrent.atomic.AtomicInteger thrown = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong thrownAt = new java.util.concurrent.atomic.AtomicLong();
        IdleWatchers.Hooks.handlerFault = (id, f) -> {
            if (id != bad.id()) {
                return;
            }
            try {
                f.doCommand(pr -> {
                    pr.addResponseHandler(r -> {
                        if (r instanceof org.eclipse.angus.mail.imap.protocol.IMAPResponse ir && ir.keyEquals("EXISTS")) {
                            thrownAt.compareAndSet(0, System.nanoTime());
                            thrown.incrementAndGet();
                            throw new IllegalStateException("hostile response");
                        }
                    });
                    return null;
                });
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        };
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            long started = System.nanoTime();
            service.start();
            Eventually.await("IDLE live on both", SLOW,
                    () -> status(good).idleLive() && status(bad).idleLive());
            carolRemote.append("INBOX", "kills the selector\n");
            Eventually.await("the hostile response thrown on the selector", SLOW, () -> thrown.get() > 0);
            assertTrue(thrownAt.get() - started < firstCheck.toNanos(),
                    "the selector must stop before the first check for this test to mean anything");

            // after the timer's first session, so that only the replaced selector's reconnect (its catch-up
            // session) or a push on the fresh selector can fetch it; the stopped one is never seen running
            awaitFirstSession(good);
            String meanwhile = remote.append("INBOX", "while the selector was dead\n");
            Eventually.await("the healthy account reconnected and fetched", firstCheck.plus(SLOW),
                    () -> delivered(meanwhile));
            Eventually.await("the other account idles again on a fresh selector", SLOW,
                    () -> status(good).idleLive() && service.idleWatchers().live(good.id()));
            awaitPushed(service, good, remote, "pushed after the selector died");
        }
    }

    /**
     * IDLE connections take mailfetch.fetch.max-listing as the most messages a folder may announce:
     * an EXISTS above it fails the connection (Angus sizes its arrays by EXISTS), as in a session.
     */
    @Test
    void anExistsAboveMaxListingShouldFailTheIdleConnection() throws Exception {
        refixture(org.mailfetch.fetch.FetchContext.MAX_LISTING, "2");
        for (int i = 0; i < 3; i++) {
            remote.append("INBOX", "one of three\n");
        }
        Account a = idleAccount(imap.port(), IDLE);
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("the IDLE connection refused for * 3 EXISTS", Duration.ofSeconds(20),
                    () -> status(a).idleNote() != null && status(a).idleNote().contains("max-listing (2)"));
            assertFalse(status(a).idleLive(), status(a).idleNote());
            assertEquals(0, service.idleWatchers().liveConnections());
        }
    }

    /**
     * An account with many folders on a server that never sends its greeting holds one worker at a
     * time (one connect in flight per account), IDLE covers at most max-folders of its folders, and a
     * healthy account's connect and push are not delayed behind it.
     */
    @Test
    void aSlowGreetingAccountWithManyFoldersShouldNotDelayAHealthyAccountsPush() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            // connections open at once (accepted, not yet closed by mailfetch), and the most there were:
            // each IDLE connect gives up after the read timeout and the next folder's connects, so the
            // number accepted grows with the test's duration, the number open at once must not
            java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        java.net.Socket s = silent.accept(); // never a greeting
                        held.add(s);
                        peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                        Thread reader = new Thread(() -> {
                            try (var in = s.getInputStream()) {
                                while (in.read() >= 0) {
                                    // drain until mailfetch closes the connection
                                }
                            } catch (java.io.IOException closed) {
                                // closed either side
                            } finally {
                                open.decrementAndGet();
                            }
                        });
                        reader.setDaemon(true);
                        reader.start();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            List<String> folders = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                folders.add("F" + i);
            }
            Account slow = fixture.addImapAccount("slow", Security.NONE, silent.getLocalPort(), null, "slow", "pw",
                    DeleteMode.IMMEDIATELY, new ImapOptions(folders, null, false, true));
            Account good = idleAccount(imap.port(), IDLE);
            try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
                service.start();
                // without one connect per account its 20 folders would hold the 4 workers for 5 read
                // timeouts (25 s) before the healthy account's connect; with it, one worker at most
                Eventually.await("the healthy account's IDLE live", Duration.ofSeconds(20), () -> status(good).idleLive());
                awaitFirstSession(good);
                awaitPushed(service, good, remote, "pushed beside a slow account");
                // one IDLE connect in flight, the timer's session, and one that is being closed
                assertTrue(peak.get() <= 3, "connections open at once to the slow server: " + peak.get()
                        + " (" + held.size() + " in all)");
                Eventually.await("the slow account's status tells the folders polled only", SLOW,
                        () -> status(slow).idleNote() != null && status(slow).idleNote().contains("20 of 40 folders polled only"));
                assertFalse(status(slow).idleLive());
            } finally {
                for (java.net.Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
