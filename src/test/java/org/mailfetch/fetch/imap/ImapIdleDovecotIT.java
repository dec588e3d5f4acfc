package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * IMAP IDLE against the private Dovecot, in the running service: a message appended while the
 * account idles is delivered without waiting for the 30-minute interval — over plain IMAP, over SSL
 * (TLS layered by the IDLE socket, the certificate trusted per account) and over STARTTLS; with two
 * folders, mail in the second one pushes too.
 */
class ImapIdleDovecotIT {

    private static final String PASSWORD = "imap-secret";

    @AutoClose
    static Dovecot dovecot;

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    private String user;
    private ImapServer.Mailbox remote;

    @BeforeAll
    static void startDovecot() throws IOException {
        dovecot = Dovecot.start();
    }

    @BeforeEach
    void setUp() throws IOException {
        fixture = new MailfetchFixture(dataDir);
        user = "i" + UUID.randomUUID().toString().substring(0, 8);
        dovecot.addUser(user, PASSWORD);
        remote = ImapServer.mailbox(dovecot.imapPort(), user, PASSWORD);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static String certificatePem() throws IOException {
        return Files.readString(dovecot.certificatePem(), StandardCharsets.US_ASCII);
    }

    private void assertPushed(Account a, String folder) throws Exception {
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("IDLE live", Duration.ofSeconds(30), () -> fixture.services().status().get(a.id()).idleLive());
            Eventually.await("the first scheduled session ended", Duration.ofSeconds(30),
                    () -> fixture.services().status().get(a.id()).lastEnd() != null
                            && !fixture.services().status().get(a.id()).running());
            long start = System.nanoTime();
            String subject = remote.append(folder, "pushed by IDLE\n");
            Eventually.await("the appended message delivered", Duration.ofSeconds(15),
                    () -> fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject + "\n")));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 10_000, "delivered after " + millis + " ms");
            assertEquals(1, fixture.delivered().size());
            Eventually.await("the server emptied", Duration.ofSeconds(10), () -> remote.subjects(folder).isEmpty());
        }
    }

    @Test
    void plainImapShouldDeliverAppendedMailWithinSeconds() throws Exception {
        Account a = fixture.addImapAccount("dovecot-idle", Security.NONE, dovecot.imapPort(), null, user, PASSWORD,
                DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX"), null, false, true));
        assertPushed(a, "INBOX");
    }

    @Test
    void sslShouldIdleWithTheTrustedCertificate() throws Exception {
        Account a = fixture.addImapAccount("dovecot-idle-ssl", Security.SSL, dovecot.imapsPort(), certificatePem(), user,
                PASSWORD, DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX"), null, false, true));
        assertPushed(a, "INBOX");
    }

    @Test
    void starttlsShouldIdleWithTheTrustedCertificate() throws Exception {
        Account a = fixture.addImapAccount("dovecot-idle-stls", Security.STARTTLS, dovecot.imapPort(), certificatePem(),
                user, PASSWORD, DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX"), null, false, true));
        assertPushed(a, "INBOX");
    }

    @Test
    void mailInTheSecondFolderShouldPushToo() throws Exception {
        remote.create("Lists");
        Account a = fixture.addImapAccount("dovecot-idle-2", Security.NONE, dovecot.imapPort(), null, user, PASSWORD,
                DeleteMode.IMMEDIATELY, new ImapOptions(List.of("INBOX", "Lists"), null, false, true));
        assertPushed(a, "Lists");
    }
}
