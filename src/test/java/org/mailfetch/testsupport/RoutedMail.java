package org.mailfetch.testsupport;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.icegreen.greenmail.user.GreenMailUser;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.delivery.OutboxWorker;

/**
 * Helpers for recipient and routing tests: an external catch-all account with the recipient
 * options, raw messages with chosen headers put into the POP3 box, and a pass of the outbox worker.
 */
public final class RoutedMail {

    private RoutedMail() {}

    /** A catch-all external box fetched with "deliver to recipients in MIME headers", deleted at once. */
    public static Account catchAllAccount(MailfetchFixture fixture, int pop3Port, boolean routeRecipients) {
        return catchAllAccount(fixture, pop3Port, routeRecipients, DeleteMode.IMMEDIATELY);
    }

    public static Account catchAllAccount(MailfetchFixture fixture, int pop3Port, boolean routeRecipients,
            DeleteMode delete) {
        Account a = MailfetchFixture.plain("catch-all", pop3Port, "box", delete);
        Account withOptions = new Account(0, a.name(), true, "pop3", a.host(), a.port(), a.security(), a.userName(), null,
                30, true, a.recipientHeaders(), a.envelopeHeaders(), routeRecipients, false, false, false,
                delete, a.ownerAddress(), Instant.now());
        return fixture.services().accounts().add(withOptions, "secret");
    }

    /** Puts a message made of {@code headers} (LF-separated), a Subject and a body into the POP3 box. */
    public static void put(GreenMailUser box, String subject, String headers) throws Exception {
        String text = "From: sender@example.org\n" + headers + "\nSubject: " + subject + "\nMessage-ID: <"
                + java.util.UUID.randomUUID() + "@example.org>\n\nbody of " + subject + "\n";
        box.deliver(new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8))));
    }

    /** One pass of the outbox worker over what is due at {@code clock}'s time. */
    public static int deliverOutbox(MailfetchFixture fixture, Clock clock) {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            return new OutboxWorker(fixture.services().outbox(), fixture.services().smtpRoutes(),
                    fixture.services().accounts(), fixture.services().settings(), pool, clock).deliverDue();
        } finally {
            pool.shutdown();
        }
    }
}
