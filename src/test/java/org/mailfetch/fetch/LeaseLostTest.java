package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/**
 * A session whose lease another process took stops: it neither downloads nor deletes any more, and it
 * does not start an LMTP transaction even for the message it already has in hand — the session that
 * took the account over delivers that one.
 */
class LeaseLostTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private FaultProxy slowListing;
    private MailfetchFixture fixture;
    private GreenMailUser kim;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        Properties extra = new Properties();
        extra.setProperty("mailfetch.fetch.lease", "900ms"); // renewed every 300 ms
        fixture = new MailfetchFixture(dataDir, extra);
        kim = pop3.user("kim", "pw");
        for (int i = 0; i < 5; i++) {
            pop3.deliver(kim);
        }
        // the listing (part of opening the session) takes long enough for the lease to be lost meanwhile
        slowListing = new FaultProxy(pop3.port()).delayResponses("UIDL", Duration.ofMillis(2000));
    }

    @AfterEach
    void tearDown() {
        slowListing.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void aLeaseLostWhileLoggingInShouldStopTheSessionBeforeItDownloadsOrDeletes() throws Exception {
        Account a = fixture.addAccount("kim", slowListing.port(), "kim", "pw", DeleteMode.IMMEDIATELY);
        CompletableFuture<SessionSummary> session = CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.fetch(a.id());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Eventually.await("the session holds the lease", Duration.ofSeconds(30), () -> !fixture.services().db()
                .query("SELECT 1 FROM account_lease WHERE account_id = ?", rs -> 1, a.id()).isEmpty());
        // as if it had expired and another node had taken it
        fixture.services().db().update("UPDATE account_lease SET holder = ?, expires_at = ? WHERE account_id = ?",
                "other-node", Instant.now().plusSeconds(60), a.id());

        SessionSummary s = session.get(30, TimeUnit.SECONDS);
        assertEquals(5, pop3.remaining(kim), "nothing deleted by a session without the lease: " + s.line());
        assertEquals(0, fixture.delivered().size(), "nothing downloaded by a session without the lease");
    }

    @Test
    void aSessionWhoseLeaseWasTakenDuringADownloadShouldNotDeliverThatMessageByLmtp() throws Exception {
        try (ScriptedSmtpServer store = new ScriptedSmtpServer("250 2.1.5 ok");
             FaultProxy slowRetr = new FaultProxy(pop3.port()).delayResponses("RETR", Duration.ofMillis(3000))) {
            GreenMailUser box = threeMessagesForLmtp(store);
            Account a = RoutedMail.catchAllAccount(fixture, slowRetr.port(), false);
            CompletableFuture<SessionSummary> session = CompletableFuture.supplyAsync(() -> {
                try {
                    return fixture.fetch(a.id());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(slowRetr.awaitDelayedCommand(Duration.ofSeconds(20)), "the first message is being downloaded");
            // while its RETR answer is held back, the lease expires and another node takes it (renewals every
            // 300 ms notice within the 3 s); that node's session will deliver the message, so this one must not
            fixture.services().db().update("UPDATE account_lease SET holder = ?, expires_at = ? WHERE account_id = ?",
                    "other-node", Instant.now().plusSeconds(60), a.id());

            SessionSummary s = session.get(30, TimeUnit.SECONDS);
            assertEquals(0, store.messages(), "no LMTP transaction after the lease was lost: " + s.line());
            assertEquals(3, pop3.remaining(box), "nothing deleted: " + s.line());
            assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
            assertTrue(s.line().contains("lease"), "the status says why the session stopped: " + s.line());
        }
    }

    @Test
    void anLmtpAnswerSlowerThanTheUsualHoldShouldBeWaitedForUnderALongerLease() throws Exception {
        // the lease (900 ms) is held for ~675 ms at a time; the store takes 800 ms to answer after the dot,
        // within what a message may take (a second and a second per MiB): the session extends its lease
        // for that answer instead of cutting the transaction short (which would deliver it again and again)
        try (ScriptedSmtpServer store = new ScriptedSmtpServer("250 2.1.5 ok")) {
            store.replyDelayMillis = 800;
            GreenMailUser box = threeMessagesForLmtp(store);
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);

            SessionSummary s = fixture.fetch(a.id());
            assertEquals(SessionSummary.Result.OK, s.result(), s.line());
            assertEquals(3, s.delivered(), s.line());
            assertEquals(3, store.messages(), "each message delivered once");
            assertEquals(0, pop3.remaining(box), s.line());
        }
    }

    /** A domain delivered by LMTP into {@code store}, and a POP3 box "box" holding three messages for it. */
    private GreenMailUser threeMessagesForLmtp(ScriptedSmtpServer store) throws Exception {
        fixture.services().directory().addDomain("lmtp.example", null, LmtpTarget.parse("127.0.0.1:" + store.port()));
        fixture.services().directory().addMailbox("carol@lmtp.example");
        GreenMailUser box = pop3.user("box", "secret");
        for (int i = 0; i < 3; i++) {
            RoutedMail.put(box, "message " + i, "To: carol@lmtp.example\n");
        }
        return box;
    }
}
