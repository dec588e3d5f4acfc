package org.mailfetch.quarantine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import jakarta.mail.internet.MimeUtility;
import org.apache.camel.ExchangeProperty;
import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.delivery.DeliverySession;
import org.mailfetch.delivery.MaildirMailbox;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.StepGuard;
import org.mailfetch.mail.MailAddress;

/**
 * The chain step after the content filters: a message they marked for quarantine is written to
 * the quarantine (durable with the session's batch, its record committed before its ledger row)
 * instead of a mailbox, and its fate becomes QUARANTINED. For a virus the owner's inbox gets a short
 * notice in the same batch.
 */
public final class Quarantine {

    private final QuarantineStore store;
    private final Clock clock;

    public Quarantine(QuarantineStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** For a pending message a scanner marked (the route file's filter says so). */
    public void hold(FetchedMessage message, @ExchangeProperty(DeliverySession.PROPERTY) DeliverySession session)
            throws IOException {
        StepGuard.require(message.quarantineKind() != null && message.isPending(), "quarantine", "quarantineKind, pending");
        long id = store.nextId();
        Instant now = clock.instant();
        // one file per held message: by UIDL and content, as its row is. The content alone (the Maildir
        // base name) gave two byte-identical messages of one session one staging file, and their batch
        // failed on the second rename
        String name = FetchedMessage.baseName(message.account().id(), "quarantine " + message.deliveryKey());
        byte[] header = (TraceHeaders.account(message) + message.topHeaderBlock()).getBytes(StandardCharsets.UTF_8);
        try (java.io.InputStream content = message.content()) {
            session.batch().add(store.stage(name, header, content));
        }
        QuarantineItem item = new QuarantineItem(id, message.account().id(), message.deliveryKey(),
                message.account().ownerAddress(), message.quarantineKind(), message.quarantineReason(),
                decoded(message, "From"), decoded(message, "Subject"), message.size(), name, now);
        session.afterDurable(() -> store.record(item));
        if (message.virus()) {
            MaildirMailbox owner = session.mailbox(MailAddress.parse(message.account().ownerAddress()));
            String noticeName = name + ".virus-notice";
            if (!owner.contains(noticeName)) {
                session.batch().add(owner.stage(null, noticeName, notice(item, message, now), null));
            }
        }
        message.fate(FetchedMessage.Fate.QUARANTINED);
    }

    private static byte[] notice(QuarantineItem item, FetchedMessage message, Instant now) {
        MailAddress owner = MailAddress.parse(item.ownerAddress());
        String text = "Return-Path: <>\n"
                + "From: mailfetch <MAILER-DAEMON@" + owner.domain() + ">\n"
                + "To: <" + owner + ">\n"
                + "Subject: Virus found: a message was quarantined\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atZone(ZoneId.systemDefault())) + "\n"
                + "Message-ID: <" + item.fileName() + ".virus-notice@mailfetch>\n"
                + "Auto-Submitted: auto-generated\n"
                + "MIME-Version: 1.0\n"
                + "Content-Type: text/plain; charset=UTF-8\n"
                + "Content-Transfer-Encoding: 8bit\n"
                + "\n"
                + "A message fetched from " + message.account().name() + " contains a virus and was quarantined.\n"
                + "\n"
                + "From:      " + nullToNone(item.sender()) + "\n"
                + "Subject:   " + nullToNone(item.subject()) + "\n"
                + "Signature: " + item.reason() + "\n"
                + "Size:      " + item.size() + " bytes\n"
                + "Quarantine id: " + item.id() + "\n"
                + "\n"
                + "It was not delivered. Ask your mail administrator if you need it\n"
                + "(mailfetch quarantine release " + item.id() + ").\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String nullToNone(String s) {
        return s == null || s.isBlank() ? "(none)" : s;
    }

    /** The first value of a header, MIME-decoded and on one line; null when absent. */
    private static String decoded(FetchedMessage message, String name) {
        String[] values = message.header(name);
        if (values.length == 0) {
            return null;
        }
        String v;
        try {
            v = MimeUtility.decodeText(MimeUtility.unfold(values[0]));
        } catch (java.io.UnsupportedEncodingException | RuntimeException e) {
            v = values[0];
        }
        String line = v.replaceAll("[\\r\\n\\t]+", " ").strip();
        return line.isEmpty() ? null : line;
    }
}
