package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.LogCapture;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/**
 * Issue 12, item 6: a session delivers all its messages for an LMTP target over one connection, RSET
 * between messages and QUIT at the end; a connection the store drops between messages is replaced,
 * and no message is lost or delivered twice.
 */
class LmtpSessionConnectionTest {

    private static final int MESSAGES = 6;

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private ScriptedSmtpServer store;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        store = new ScriptedSmtpServer("250 2.1.5 ok");
        fixture.services().directory().addDomain("lmtp.example", null, LmtpTarget.parse("127.0.0.1:" + store.port()));
        fixture.services().directory().addMailbox("carol@lmtp.example");
        fixture.services().directory().addMailbox("dave@lmtp.example");
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        fixture.close();
        pop3.close();
    }

    @Test
    @Timeout(60)
    void aSessionShouldDeliverAllItsMessagesOverOneConnectionWithRsetBetweenThem() throws Exception {
        Account a = fetchAccountWithMessages();

        SessionSummary s = fixture.fetch(a.id(), clock);

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(MESSAGES, s.delivered(), s.line());
        assertEquals(1, store.connections(), "one connection for the whole session");
        assertEquals(MESSAGES, store.messages());
        assertEquals(expectedVerbs(MESSAGES, List.of()), store.verbs());
        assertEquals(0, pop3.remaining(box));
    }

    @Test
    @Timeout(60)
    void aConnectionTheStoreDropsBetweenMessagesShouldBeReplacedWithNothingLostOrDoubled() throws Exception {
        store.hangUpAfterMessage = n -> n == 2;
        Account a = fetchAccountWithMessages();

        SessionSummary s = fixture.fetch(a.id(), clock);

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(MESSAGES, s.delivered(), s.line());
        assertEquals(2, store.connections(), "the third message reconnects");
        assertEquals(MESSAGES, store.messages(), "each message taken once");
        // the RSET that found the connection gone never reached the store
        assertEquals(expectedVerbs(MESSAGES, List.of(2)), store.verbs());
        assertEquals(0, pop3.remaining(box), "every message delivered, so every one deleted");

        SessionSummary again = fixture.fetch(a.id(), clock);
        assertEquals(0, again.downloaded(), again.line());
        assertEquals(MESSAGES, store.messages(), "no second copy");
    }

    @Test
    @Timeout(60)
    void messagesFetchedAgainAfterTheStoreTookThemShouldBeRecordedWithoutASecondCopyOrADeliveredLine()
            throws Exception {
        Account kept = RoutedMail.catchAllAccount(fixture, pop3.port(), false, DeleteMode.NEVER);
        for (int i = 0; i < MESSAGES; i++) {
            RoutedMail.put(box, "message " + i, "To: carol@lmtp.example, dave@lmtp.example\n");
        }
        SessionSummary first = fixture.fetch(kept.id(), clock);
        assertEquals(MESSAGES, store.messages(), first.line());
        // An interruption after the store took the messages (their recipient rows commit at once) and
        // before the ledger's rows: the server still has them and the ledger does not know them.
        fixture.services().db().update("DELETE FROM uidl_ledger WHERE account_id = ?", kept.id());

        SessionSummary again;
        List<String> lines;
        try (LogCapture log = new LogCapture()) {
            again = fixture.fetch(kept.id(), clock);
            lines = log.lines();
        }

        assertEquals(SessionSummary.Result.OK, again.result(), again.line());
        assertEquals(MESSAGES, again.downloaded(), again.line());
        assertEquals(MESSAGES, store.messages(), "no second copy to the store: " + again.line());
        assertEquals(MESSAGES, fixture.ledgerSize(kept.id()), "recorded now");
        assertEquals(0, lines.stream().filter(l -> l.startsWith("delivered to")).count(),
                "nothing is logged as delivered that was not delivered now: " + lines);
        assertEquals(MESSAGES, lines.stream().filter(l -> l.startsWith("had reached [carol@lmtp.example,"
                + " dave@lmtp.example] before an interruption")).count(), String.join("\n", lines));
    }

    private Account fetchAccountWithMessages() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
        for (int i = 0; i < MESSAGES; i++) {
            RoutedMail.put(box, "message " + i, "To: carol@lmtp.example, dave@lmtp.example\n");
        }
        return a;
    }

    /** LHLO, then per message (RSET,) MAIL, RCPT, RCPT, DATA, and QUIT: a new LHLO after each message in {@code dropAfter}. */
    private static List<String> expectedVerbs(int messages, List<Integer> dropAfter) {
        List<String> verbs = new ArrayList<>(List.of("LHLO"));
        for (int i = 1; i <= messages; i++) {
            if (i > 1 && dropAfter.contains(i - 1)) {
                verbs.add("LHLO");
            } else if (i > 1) {
                verbs.add("RSET");
            }
            verbs.addAll(List.of("MAIL", "RCPT", "RCPT", "DATA"));
        }
        verbs.add("QUIT");
        return verbs;
    }
}
