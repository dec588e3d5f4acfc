package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/**
 * Issue 8, item 2: a folded Return-Path whose next line reads like a command must not reach the
 * LMTP or SMTP server as a command of its own. The scripted server records every command line.
 */
class EnvelopeInjectionTest {

    /** Return-Path folded so that its continuation line is " RCPT TO:<...>". */
    private static final String INJECTING_RETURN_PATH = "Return-Path: <sender@example.org>\n RCPT TO:<bob@%s>";

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private ScriptedSmtpServer server;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        server = new ScriptedSmtpServer("250 2.1.5 ok");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void aFoldedReturnPathShouldNotAddACommandToTheLmtpTransaction() throws Exception {
        fixture.services().directory().addDomain("lmtp.example", null, LmtpTarget.parse("127.0.0.1:" + server.port()));
        fixture.services().directory().addMailbox("carol@lmtp.example");
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
        RoutedMail.put(box, "injection", String.format(INJECTING_RETURN_PATH, "lmtp.example") + "\nTo: carol@lmtp.example");

        fixture.fetch(a.id(), clock);

        assertEquals(List.of("LHLO", "MAIL", "RCPT", "DATA", "QUIT"), server.verbs(), "one transaction, one recipient");
        assertEquals("RCPT TO:<carol@lmtp.example>", server.commands().get(2));
        assertEquals("MAIL FROM:<>", server.commands().get(1), "a sender that is no plain address becomes the null sender");
        assertEquals(1, server.messages());
    }

    @Test
    void aFoldedReturnPathShouldNotAddACommandToTheRoutedSmtpTransaction() throws Exception {
        fixture.services().smtpRoutes().add("routed.example", "127.0.0.1", server.port(), false, null, null);
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        RoutedMail.put(box, "injection", String.format(INJECTING_RETURN_PATH, "routed.example") + "\nTo: zoe@routed.example");

        fixture.fetch(a.id(), clock);
        RoutedMail.deliverOutbox(fixture, clock);

        List<String> transaction = server.commands().stream()
                .filter(c -> c.startsWith("MAIL") || c.startsWith("RCPT") || c.startsWith("DATA")).toList();
        assertEquals(List.of("MAIL FROM:<>", "RCPT TO:<zoe@routed.example>", "DATA"), transaction);
        assertEquals(1, server.messages());
    }

    @Test
    void theLmtpClientShouldRefuseToWriteACommandWithALineBreakOrControlCharacter() {
        for (String bad : List.of("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>", "RCPT TO:<a@b>\n", "NOOP\u0000", "RCPT TO:<é@b>")) {
            assertThrows(IllegalArgumentException.class, () -> LmtpClient.requireCommandSafe(bad), bad);
        }
        LmtpClient.requireCommandSafe("RCPT TO:<carol@lmtp.example>");
    }
}
