package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/** "Retrieve date from Received headers" through the whole chain: file mtime and the ledger row. */
class ReceivedDateFetchTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private GreenMailUser remote;

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        remote = pop3.user("bob", "secret");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void receivedDateShouldBecomeTheFileMtimeAndBeKeptWithTheLedgerRow() throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress("sender@example.org"));
        m.setSubject("dated");
        m.setText("body\n");
        m.saveChanges();
        m.addHeader("Received", "from relay.example.org by mx.example.net;\r\n\tTue, 5 Mar 2024 10:11:12 +0100 (CET)");
        remote.deliver(m);
        Account plain = MailfetchFixture.plain("bob", pop3.port(), "bob", DeleteMode.NEVER);
        Account a = fixture.services().accounts().add(new Account(0, plain.name(), true, "pop3", plain.host(),
                plain.port(), plain.security(), "bob", null, 30, false, plain.recipientHeaders(),
                plain.envelopeHeaders(), false, true, false, false, DeleteMode.NEVER, MailfetchFixture.OWNER,
                Instant.now()), "secret");

        assertEquals(1, fixture.fetch(a.id()).delivered());

        Instant expected = Instant.parse("2024-03-05T09:11:12Z");
        List<Path> files;
        try (Stream<Path> s = Files.list(dataDir.resolve("mailboxes/example.com/alice/new"))) {
            files = s.toList();
        }
        assertEquals(1, files.size());
        assertEquals(expected, Files.getLastModifiedTime(files.get(0)).toInstant());
        String uidl = fixture.services().ledger().load(a.id()).keySet().iterator().next();
        assertEquals(java.util.Optional.of(expected), fixture.services().ledger().internalDate(a.id(), uidl));
        assertTrue(Files.readString(files.get(0)).startsWith("X-Mailfetch-Account: bob\n"));
    }
}
