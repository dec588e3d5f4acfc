package org.mailfetch.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.mail.internet.MimeUtility;
import org.apache.camel.ExchangeProperty;
import org.mailfetch.fetch.FetchSession;
import org.mailfetch.fetch.FetchSessions;
import org.mailfetch.fetch.FetchedMessage;
import org.mailfetch.recipient.MailAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages the message in each recipient's Maildir with the trace header on top. The files become
 * durable and visible when the session commits its batch.
 */
public final class LocalDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDelivery.class);

    public void deliver(FetchedMessage message, @ExchangeProperty(FetchSessions.SESSION) FetchSession session)
            throws IOException {
        byte[] trace = (traceHeader(message) + message.topHeaderBlock()).getBytes(StandardCharsets.UTF_8);
        for (MailAddress recipient : message.recipients()) {
            MaildirMailbox mailbox = session.mailbox(recipient);
            if (mailbox.contains(message.baseName())) {
                LOG.info("{}: UIDL {} is already in {} (delivered before an interruption); not delivered again",
                        message.account().label(), message.uidl(), recipient);
                continue;
            }
            try (InputStream content = message.content()) {
                session.batch().add(mailbox.stage(message.folder(), message.baseName(), trace, content, message.internalDate()));
            }
        }
        message.fate(FetchedMessage.Fate.DELIVERED);
    }

    /** Like hMailServer's X-hMailServer-ExternalAccount; the name is the administrator's, so it is made header-safe. */
    public static String traceHeader(FetchedMessage message) {
        String name = message.account().name().replaceAll("[\\r\\n\\t]+", " ").strip();
        try {
            name = MimeUtility.fold("X-Mailfetch-Account: ".length(), MimeUtility.encodeText(name, "UTF-8", "Q"));
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
        return "X-Mailfetch-Account: " + name.replace("\r\n", "\n") + "\n";
    }
}
