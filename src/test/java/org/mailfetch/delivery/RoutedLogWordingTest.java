package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.LogCapture;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/**
 * Review of the per-message log line ("delivered to ..." / "had reached ... before an interruption"):
 * a message whose only recipient is in a routed domain names that recipient, not "[]", both when it
 * is queued for the route and when it is fetched again after an interruption that came after that.
 */
@Timeout(60)
class RoutedLogWordingTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private ScriptedSmtpServer relay;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        relay = new ScriptedSmtpServer("250 2.1.5 ok");
        fixture.services().smtpRoutes().add("routed.example", "127.0.0.1", relay.port(), false, null, null);
    }

    @AfterEach
    void tearDown() throws Exception {
        relay.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void aRoutedOnlyMessageShouldNameItsRecipientWhenQueuedAndWhenFetchedAgain() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true, DeleteMode.NEVER);
        RoutedMail.put(box, "routed only", "To: zoe@routed.example");

        List<String> first;
        try (LogCapture log = new LogCapture()) {
            SessionSummary s = fixture.fetch(a.id(), clock);
            assertEquals(SessionSummary.Result.OK, s.result(), s.line());
            first = log.lines();
        }
        assertEquals(1, first.stream().filter(l -> l.startsWith("delivered to [zoe@routed.example] (")).count(),
                String.join("\n", first));

        // an interruption after the outbox row, before the ledger's
        fixture.services().db().update("DELETE FROM uidl_ledger WHERE account_id = ?", a.id());
        List<String> again;
        try (LogCapture log = new LogCapture()) {
            SessionSummary s = fixture.fetch(a.id(), clock);
            assertEquals(1, s.downloaded(), s.line());
            again = log.lines();
        }
        assertEquals(1, again.stream().filter(l -> l.startsWith("had reached [zoe@routed.example] before an interruption"))
                .count(), String.join("\n", again));
    }
}
