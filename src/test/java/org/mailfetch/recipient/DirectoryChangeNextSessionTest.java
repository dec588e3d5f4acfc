package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/**
 * A session reads the local directory once and looks recipients up in memory; what an administrator
 * changes between two sessions (a domain switched to LMTP, a new mailbox) is what the next session
 * delivers by.
 */
class DirectoryChangeNextSessionTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private ScriptedSmtpServer store;
    private Account account;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        store = new ScriptedSmtpServer("250 2.1.5 ok");
        fixture.services().directory().addDomain("lists.example");
        fixture.services().directory().addMailbox("carol@lists.example");
        account = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        fixture.close();
        pop3.close();
    }

    @Test
    @Timeout(60)
    void aDomainSwitchedToLmtpBetweenSessionsShouldTakeTheNextSessionsMailToTheStore() throws Exception {
        RoutedMail.put(box, "before the switch", "To: carol@lists.example\n");
        RoutedMail.put(box, "also before", "To: carol@lists.example\n");
        assertOk(fixture.fetch(account.id()));
        assertEquals(2, files("lists.example/carol"));
        assertEquals(0, store.messages());

        fixture.services().directory().updateDomain("lists.example", Optional.empty(),
                Optional.of(LmtpTarget.parse("127.0.0.1:" + store.port())));
        RoutedMail.put(box, "after the switch", "To: carol@lists.example\n");
        assertOk(fixture.fetch(account.id()));

        assertEquals(1, store.messages(), "the next session delivers by LMTP");
        assertEquals(2, files("lists.example/carol"), "nothing more into the Maildir");
        assertEquals(0, pop3.remaining(box));
    }

    @Test
    @Timeout(60)
    void aMailboxAddedBetweenSessionsShouldGetTheNextSessionsMail() throws Exception {
        RoutedMail.put(box, "for dora, no mailbox yet", "To: dora@lists.example\n");
        assertOk(fixture.fetch(account.id()));
        assertEquals(1, files("example.com/alice"), "no such recipient: the owner gets it");

        fixture.services().directory().addMailbox("dora@lists.example");
        RoutedMail.put(box, "for dora, now a mailbox", "To: dora@lists.example\n");
        assertOk(fixture.fetch(account.id()));

        assertEquals(1, files("lists.example/dora"));
        assertEquals(1, files("example.com/alice"));
    }

    private static void assertOk(SessionSummary s) {
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
    }

    private int files(String mailbox) throws IOException {
        Path dir = dataDir.resolve("mailboxes").resolve(mailbox).resolve("new");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return (int) files.count();
        }
    }
}
