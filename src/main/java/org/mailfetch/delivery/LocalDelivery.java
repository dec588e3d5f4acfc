package org.mailfetch.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Processor;
import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.recipient.LocalDomain;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.SessionViews;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers to the message's local mailboxes: Maildir (staged with the trace header on top; the
 * files become durable and visible when the session commits its batch) or, for a domain with an
 * LMTP target, LMTP into the mail store at once.
 *
 * <p>LMTP answers per recipient. Accepted recipients are recorded in {@link RecipientDeliveries}
 * right away. If any recipient gets a 4xx (or the server cannot be reached), the message is
 * DEFERRED: its UIDL is not recorded, so the server keeps it, and the next session fetches it again
 * and delivers only to the recipients that do not have it yet (Maildir files are found by their
 * deterministic names, LMTP recipients by their delivery rows, outbox entries by their key). A 5xx
 * for a recipient is final: the owner's Maildir gets the message instead, so nothing is dropped.
 * A crash after the LMTP server accepted but before the row is committed can deliver that
 * recipient twice — LMTP offers no idempotency key; the window is one INSERT.
 *
 * <p>A session talks to each LMTP target over one connection (RSET between messages), which the
 * session opens with its first message there and closes when it ends ({@link LmtpConnections}).
 */
public final class LocalDelivery implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDelivery.class);

    /**
     * The local domains, read once per session: looking a recipient's domain up in the database for
     * every message cost more than writing the message. A domain an administrator switches to or
     * from LMTP takes effect at the account's next session.
     */
    private final SessionViews.View<Map<String, LocalDomain>> domains;
    private final RecipientDeliveries deliveries;
    private final Duration lmtpTimeout;
    private final Clock clock;
    /** Kept from an LMTP transaction's time for committing its recipient rows after the replies. */
    private static final Duration ROW_COMMIT = Duration.ofSeconds(1);

    /**
     * How long one LMTP transaction may take in all: the read timeout twice over, plus a second per
     * MiB and recipient for the store to file the message into each mailbox (far slower than any
     * local store). Cut short, replies after DATA would be lost and those recipients served twice.
     */
    private Duration exchangeDeadline(long size, int recipients) {
        return lmtpTimeout.multipliedBy(2).plusSeconds(1).plus(filing(size, recipients));
    }

    /** How long the store may take to file a message into each recipient's mailbox: a second per MiB and recipient, and one. */
    private static Duration filing(long size, int recipients) {
        return Duration.ofSeconds((1 + (size >> 20)) * (long) Math.max(1, recipients));
    }

    public LocalDelivery(LocalDirectory directory, RecipientDeliveries deliveries, Duration lmtpTimeout, Clock clock) {
        this.domains = directory::domainsByName;
        this.deliveries = deliveries;
        this.lmtpTimeout = lmtpTimeout;
        this.clock = clock;
    }

    /** The step as the route calls it: a Processor, so no per-message bean binding by reflection. */
    @Override
    public void process(Exchange exchange) throws IOException {
        deliver(exchange.getMessage().getBody(FetchedMessage.class), exchange.getProperty(DeliverySession.PROPERTY, DeliverySession.class));
    }

    /** Also bean-bindable, for a route file of an older mailfetch that calls it by name. */
    public void deliver(FetchedMessage message, @ExchangeProperty(DeliverySession.PROPERTY) DeliverySession session)
            throws IOException {
        byte[] trace = (TraceHeaders.account(message) + message.topHeaderBlock()).getBytes(StandardCharsets.UTF_8);
        List<MailAddress> maildir = new ArrayList<>();
        Map<LmtpTarget, List<String>> lmtp = new LinkedHashMap<>();
        Map<String, LocalDomain> byName = session.view(domains);
        for (MailAddress recipient : message.recipients()) {
            LocalDomain domain = byName.get(recipient.domain());
            if (domain != null && domain.deliversByLmtp()) {
                lmtp.computeIfAbsent(domain.lmtp(), t -> new ArrayList<>()).add(recipient.toString());
            } else {
                maildir.add(recipient);
            }
        }
        boolean deferred = false;
        if (!lmtp.isEmpty()) {
            Set<String> have = deliveries.delivered(message.account().id(), message.deliveryKey());
            for (Map.Entry<LmtpTarget, List<String>> t : lmtp.entrySet()) {
                List<String> missing = t.getValue().stream().filter(r -> !have.contains(r)).toList();
                if (missing.isEmpty()) {
                    LOG.info("LMTP {} already took it for {} (before an interruption); not sent again", t.getKey(),
                            t.getValue());
                    continue;
                }
                LmtpOutcome outcome = lmtp(message, session, t.getKey(), missing, trace);
                deferred |= outcome.deferred();
                if (outcome.rejected() && !maildir.contains(owner(message))) {
                    maildir.add(owner(message));
                }
            }
        }
        stageMaildir(message, session, trace, maildir);
        message.fate(deferred ? FetchedMessage.Fate.DEFERRED : FetchedMessage.Fate.DELIVERED);
    }

    private record LmtpOutcome(boolean deferred, boolean rejected) {}

    private LmtpOutcome lmtp(FetchedMessage message, DeliverySession session, LmtpTarget target,
            List<String> recipients, byte[] trace) {
        // LMTP has no idempotency key: once the final dot is sent the store delivers, whatever happens to
        // this session. So the dot goes only while the session surely holds the account for the store's
        // filing, the replies and the rows' commit: never next to a session that took the account over.
        if (session.heldFor(Duration.ZERO).isZero()) {
            LOG.warn("LMTP {} not tried for {}: the session no longer holds the account (its lease was lost or could"
                    + " not be renewed); deferred", target, recipients);
            return new LmtpOutcome(true, false);
        }
        Duration afterDot = ROW_COMMIT.plus(filing(message.size(), recipients.size()));
        LmtpClient.EndOfData endOfData = () -> {
            Duration held = session.heldFor(afterDot);
            if (held.compareTo(afterDot) < 0) {
                throw new IOException("not sent: the session no longer holds the account for the " + afterDot.toSeconds()
                        + " s the store's answer may take (its lease was lost or could not be renewed)");
            }
            return held.minus(ROW_COMMIT);
        };
        LmtpConnections connections = session.lmtpConnections();
        Map<String, SmtpReply> replies;
        try {
            LmtpClient client = connections.acquire(target, lmtpTimeout, exchangeDeadline(message.size(), recipients.size()));
            try (InputStream content = message.content()) {
                replies = client.deliver(Outbox.envelopeFrom(message), recipients, trace, content, endOfData);
            } finally {
                connections.release(target, client);
            }
        } catch (IOException e) {
            LOG.warn("LMTP {} failed for {}: {}; deferred", target, recipients, e.getMessage());
            return new LmtpOutcome(true, false);
        }
        List<String> accepted = new ArrayList<>();
        boolean deferred = false;
        boolean rejected = false;
        for (Map.Entry<String, SmtpReply> r : replies.entrySet()) {
            if (r.getValue().ok()) {
                accepted.add(r.getKey());
            } else if (r.getValue().permanent()) {
                rejected = true;
                LOG.warn("LMTP {} refused {} for good ({}); the owner's Maildir gets it", target, r.getKey(), r.getValue());
            } else {
                deferred = true;
                LOG.warn("LMTP {} deferred {} ({}); left on the server for the next session", target, r.getKey(), r.getValue());
            }
        }
        if (!accepted.isEmpty()) {
            deliveries.record(message.account().id(), message.deliveryKey(), accepted, clock.instant());
            accepted.forEach(r -> message.deliveredVia("lmtp"));
        }
        return new LmtpOutcome(deferred, rejected);
    }

    private static MailAddress owner(FetchedMessage message) {
        return MailAddress.parse(message.account().ownerAddress());
    }

    private void stageMaildir(FetchedMessage message, DeliverySession session, byte[] trace, List<MailAddress> recipients)
            throws IOException {
        for (MailAddress recipient : recipients) {
            MaildirMailbox mailbox = session.mailbox(recipient);
            if (mailbox.contains(message.baseName())) {
                LOG.info("already in {} (delivered before an interruption); not delivered again", recipient);
                continue;
            }
            if (mailbox.stagedThisSession(message.baseName())) {
                // the same bytes as a message this session delivered there under another UIDL: one message,
                // one file. Should that one's batch fail, it stays on the server and comes again.
                message.sameBytesAsEarlier(true);
                continue;
            }
            // the one copy of the message into the mailbox: spool file to staging file inside the kernel
            session.batch().add(mailbox.stage(message.folder(), message.baseName(), trace, message::copyTo,
                    message.internalDate()));
            message.deliveredVia("maildir");
        }
    }

}
