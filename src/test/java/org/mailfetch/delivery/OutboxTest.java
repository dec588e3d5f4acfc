package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.config.Settings;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/** Routed mail whose SMTP target is down, refuses, or defers: nothing is lost, nothing sent twice. */
class OutboxTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir, outboxSettings());
    }

    private static Properties outboxSettings() {
        Properties p = new Properties();
        p.setProperty(OutboxWorker.MAX_ATTEMPTS, "3");
        p.setProperty(OutboxWorker.SMTP_TIMEOUT, "5s");
        return p;
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void routeTargetDownShouldQueueDurablyThenDeliverExactlyOnceAfterARestart() throws Exception {
        int port = freePort();
        fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", port, false, null, null);
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        RoutedMail.put(box, "for yann", "To: yann@partner.example");

        SessionSummary s = fixture.fetch(a.id(), clock);

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(0, pop3.remaining(box), "deleted on the server: the outbox holds it");
        OutboxEntry queued = single();
        assertEquals(OutboxEntry.State.WAITING, queued.state());
        assertTrue(Files.exists(fixture.services().outbox().file(queued)), "message file in the outbox");

        assertEquals(1, RoutedMail.deliverOutbox(fixture, clock), "first attempt: connection refused");
        OutboxEntry deferred = single();
        assertEquals(OutboxEntry.State.WAITING, deferred.state());
        assertEquals(1, deferred.attempts());
        assertTrue(deferred.nextAttemptAt().isAfter(clock.instant()), "backs off");
        assertEquals(0, RoutedMail.deliverOutbox(fixture, clock), "not due before the backoff has passed");

        fixture.close();                                   // restart: a new process on the same data dir
        fixture = new MailfetchFixture(dataDir, outboxSettings());
        GreenMail smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try {
            clock.advance(Duration.ofHours(1));
            assertEquals(1, RoutedMail.deliverOutbox(fixture, clock));
            clock.advance(Duration.ofHours(5));
            assertEquals(0, RoutedMail.deliverOutbox(fixture, clock));
            assertEquals(0, fixture.fetch(a.id(), clock).downloaded());

            assertEquals(1, smtp.getReceivedMessages().length, "arrived exactly once");
            assertEquals("for yann", smtp.getReceivedMessagesForDomain("yann@partner.example")[0].getSubject());
            OutboxEntry sent = single();
            assertEquals(OutboxEntry.State.SENT, sent.state());
            assertTrue(Files.notExists(fixture.services().outbox().file(sent)), "file removed once sent");
        } finally {
            smtp.stop();
        }
    }

    @Test
    void aDueEntryShouldBeClaimedByOneWorkerOnlySoTwoProcessesNeverSendItTwice() throws Exception {
        fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", freePort(), false, null, null);
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        RoutedMail.put(box, "for yann", "To: yann@partner.example");
        fixture.fetch(a.id(), clock);
        OutboxEntry queued = single();

        Outbox outbox = fixture.services().outbox();
        var held = outbox.claim(queued.id(), clock);
        assertTrue(held.isPresent(), "the service's worker takes it");
        held.get().close(); // no more renewals: the worker died mid-attempt
        assertFalse(outbox.claim(queued.id(), clock).isPresent(), "a CLI outbox send does not");
        assertEquals(0, RoutedMail.deliverOutbox(fixture, clock), "nor does the next pass while the attempt runs");
        clock.advance(org.mailfetch.cluster.RowClaim.TTL.plusSeconds(1));
        assertEquals(1, RoutedMail.deliverOutbox(fixture, clock), "a worker that died mid-attempt: due again later");
    }

    @Test
    void aWorkerShouldSendOnlyToWhatAnotherProcessLeftNotToItsOwnOlderCopyOfTheEntry() throws Exception {
        try (ScriptedSmtpServer relay = new ScriptedSmtpServer(
                line -> line.contains("r2@") ? "450 4.2.0 greylisted, try later" : "250 2.1.5 ok")) {
            fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", relay.port(), false, null, null);
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
            RoutedMail.put(box, "for two", "To: r1@partner.example, r2@partner.example");
            fixture.fetch(a.id(), clock);

            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                OutboxWorker worker = new OutboxWorker(fixture.services().outbox(), fixture.services().smtpRoutes(),
                        fixture.services().accounts(), fixture.services().settings(), pool, clock);
                OutboxWorker otherProcess = new OutboxWorker(fixture.services().outbox(), fixture.services().smtpRoutes(),
                        fixture.services().accounts(), fixture.services().settings(), pool, clock);
                // this worker has read the due list; before it claims the entry, another process sends
                // it (r1 accepted, r2 greylisted) and its short back-off passes
                worker.deliverDue(e -> {
                    otherProcess.deliverDue();
                    clock.advance(Duration.ofHours(1));
                    return true;
                });
            } finally {
                pool.shutdown();
            }

            long toR1 = relay.commands().stream().filter(l -> l.contains("r1@partner.example")).count();
            assertEquals(1, toR1, "r1 got it once: " + relay.commands());
            assertEquals(2, relay.commands().stream().filter(l -> l.contains("r2@partner.example")).count(),
                    "r2 was tried again: " + relay.commands());
            OutboxEntry left = single();
            assertEquals(List.of("r2@partner.example"), left.recipients());
            assertEquals(2, left.attempts(), "both attempts count");
        }
    }

    @Test
    void permanentRefusalShouldGiveUpAtOnceAndPutANoticeWithTheOriginalInTheOwnersMailbox() throws Exception {
        try (ScriptedSmtpServer refusing = new ScriptedSmtpServer("550 5.1.1 <yann@partner.example>: no such user")) {
            fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", refusing.port(), false, null, null);
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
            RoutedMail.put(box, "refused one", "To: yann@partner.example");
            fixture.fetch(a.id(), clock);

            RoutedMail.deliverOutbox(fixture, clock);

            OutboxEntry failed = single();
            assertEquals(OutboxEntry.State.FAILED, failed.state(), failed.lastError());
            assertEquals(1, failed.attempts());
            List<String> owner = fixture.delivered();
            assertEquals(1, owner.size(), "one notice in the owner's mailbox");
            String notice = owner.get(0);
            assertTrue(notice.contains("multipart/report;"), notice);
            assertTrue(notice.contains("report-type=delivery-status"), notice);
            assertTrue(notice.contains("Final-Recipient: rfc822; yann@partner.example"), notice);
            assertTrue(notice.contains("Status: 5.1.1"), notice);
            assertTrue(notice.contains("Content-Type: message/rfc822"), notice);
            assertTrue(notice.contains("Subject: refused one"), "the original is attached:\n" + notice);
            assertFalse(notice.contains("\r"), "LF line ends in Maildir");
            assertEquals(0, refusing.messages());

            assertEquals(0, RoutedMail.deliverOutbox(fixture, clock), "given up: not tried again");
            fixture.services().outbox().retry(failed.id());
            assertEquals(OutboxEntry.State.WAITING, single().state(), "outbox retry makes it due again");
            assertEquals(List.of("yann@partner.example"), single().recipients());
        }
    }

    @Test
    void temporaryRefusalShouldBeRetriedWithBackoffThenGivenUpWithANotice() throws Exception {
        try (ScriptedSmtpServer deferring = new ScriptedSmtpServer("451 4.3.0 try again later")) {
            fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", deferring.port(), false, null, null);
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
            RoutedMail.put(box, "deferred one", "To: yann@partner.example");
            fixture.fetch(a.id(), clock);

            RoutedMail.deliverOutbox(fixture, clock);
            Instant second = single().nextAttemptAt();
            Duration firstWait = Duration.between(clock.instant(), second);
            clock.advance(firstWait);
            RoutedMail.deliverOutbox(fixture, clock);
            assertEquals(2, single().attempts());
            assertEquals(OutboxEntry.State.WAITING, single().state());
            Duration secondWait = Duration.between(clock.instant(), single().nextAttemptAt());
            assertEquals(2, Math.round(secondWait.toMillis() / (double) firstWait.toMillis()), "the wait doubles");
            assertEquals(List.of(), fixture.delivered(), "no notice while retries remain");

            clock.advance(secondWait);
            RoutedMail.deliverOutbox(fixture, clock);

            assertEquals(OutboxEntry.State.FAILED, single().state(), "given up after mailfetch.outbox.max-attempts=3");
            assertEquals(1, fixture.delivered().size(), "the owner has the notice");
            assertTrue(fixture.delivered().get(0).contains("gave up after 3 attempts"));
        }
    }

    @Test
    void routeWithCredentialsShouldNotLogInToARelayWithoutTls() throws Exception {
        try (ScriptedSmtpServer plaintextOnly = new ScriptedSmtpServer("250 2.1.5 ok")) {
            fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", plaintextOnly.port(), false, "relay-user",
                    "relay-secret");
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
            RoutedMail.put(box, "needs a login", "To: yann@partner.example");
            fixture.fetch(a.id(), clock);

            RoutedMail.deliverOutbox(fixture, clock);

            assertFalse(plaintextOnly.verbs().contains("AUTH"), "no password in the clear: " + plaintextOnly.verbs());
            assertEquals(0, plaintextOnly.messages());
            assertEquals(OutboxEntry.State.WAITING, single().state(), "kept for a retry, not lost");
            assertTrue(String.valueOf(single().lastError()).contains("STARTTLS"), String.valueOf(single().lastError()));
        }
    }

    @Test
    void backoffShouldDoubleFromTheInitialWaitUpToTheCap() {
        Properties p = new Properties();
        p.setProperty(OutboxWorker.INITIAL_BACKOFF, "1m");
        p.setProperty(OutboxWorker.MAX_BACKOFF, "10m");
        OutboxWorker worker = new OutboxWorker(fixture.services().outbox(), fixture.services().smtpRoutes(),
                fixture.services().accounts(), Settings.of(MailfetchFixture.settings(dataDir, p)), null, clock);
        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8),
                Duration.ofMinutes(10), Duration.ofMinutes(10)),
                List.of(worker.backoff(1), worker.backoff(2), worker.backoff(3), worker.backoff(4), worker.backoff(5),
                        worker.backoff(6)));
    }

    private OutboxEntry single() {
        List<OutboxEntry> all = fixture.services().outbox().list();
        assertEquals(1, all.size(), "one outbox entry: " + all);
        return all.get(0);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
