package org.mailfetch.recipient;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Processor;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.Printable;
import org.mailfetch.mail.SessionViews;
import org.mailfetch.mail.TraceHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.EnvelopeAddress;

/**
 * The recipient splitter: decides which local mailboxes, and which routed addresses, get a message.
 *
 * <p>Without <i>deliver to recipients in MIME headers</i> the account's owner gets everything. With
 * it, the envelope headers the external server wrote for this copy (Delivered-To, X-Original-To,
 * ...) come first: those whose domain is local or routed are used alone, which reaches Bcc'd
 * recipients and keeps one copy per envelope recipient from going to everyone in To. Only if none
 * remain are the recipient headers (To, CC, ...) and Received {@code for} clauses read. Each address
 * is expanded through the directory; each mailbox gets one copy; routed addresses count only with
 * <i>allow route recipients</i>. No recipient left, or a routing loop: the owner gets it.
 */
public final class RecipientResolver implements Processor {



    /**
     * Most distinct recipient addresses read from one message's headers (Postfix's
     * {@code smtpd_recipient_limit} default). Beyond it the owner gets the message, with
     * {@link TraceHeaders#RECIPIENTS} saying why: a header naming 50,000 addresses is no delivery list.
     */
    public static final String MAX_PER_MESSAGE = "mailfetch.recipients.max-per-message";
    public static final int DEFAULT_MAX_PER_MESSAGE = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(RecipientResolver.class);

    /** A message's header values by name, topmost first. */
    @FunctionalInterface
    public interface Headers {
        String[] get(String name);
    }

    /**
     * Where a message goes, and why the owner got it if it did. {@code notice} (may be null) is the
     * value of {@link TraceHeaders#RECIPIENTS} for the owner's copy when the headers were refused.
     */
    public record Recipients(List<MailAddress> mailboxes, List<MailAddress> routed, String ownerBecause, String notice) {}

    /**
     * The directory and the enabled routes' domains, read in a fixed number of queries once per
     * session: an administrator's change applies from the account's next session on.
     */
    private final SessionViews.View<DirectorySnapshot> directoryView;
    private final int maxPerMessage;

    public RecipientResolver(LocalDirectory directory, SmtpRoutes routes) {
        this(directory, routes, DEFAULT_MAX_PER_MESSAGE);
    }

    public RecipientResolver(LocalDirectory directory, SmtpRoutes routes, int maxPerMessage) {
        if (maxPerMessage < 1) {
            throw new IllegalArgumentException("configuration key " + MAX_PER_MESSAGE + " must be at least 1, got "
                    + maxPerMessage);
        }
        this.directoryView = () -> directory.snapshot(routes.list().stream()
                .filter(SmtpRoute::enabled).map(SmtpRoute::domain).collect(java.util.stream.Collectors.toSet()));
        this.maxPerMessage = maxPerMessage;
    }

    /** The step as the route calls it: a Processor, so no per-message bean binding by reflection. */
    @Override
    public void process(Exchange exchange) {
        resolve(exchange.getMessage().getBody(FetchedMessage.class), exchange.getProperty(SessionViews.PROPERTY, SessionViews.class));
    }

    /**
     * The step of the chain: the directory is read once per session ({@code session}). Still
     * bean-bindable, for a route file of an older mailfetch that calls it by name.
     */
    public void resolve(FetchedMessage message, @ExchangeProperty(SessionViews.PROPERTY) SessionViews session) {
        Recipients r = resolve(message.account(), message::header, () -> session.view(directoryView));
        message.recipients(r.mailboxes());
        message.routedRecipients(r.routed());
        if (r.notice() != null) {
            message.addTopHeader(TraceHeaders.RECIPIENTS, r.notice());
        }
        if (r.ownerBecause() != null) {
            LOG.info("goes to the owner {}: {}", message.account().ownerAddress(), r.ownerBecause());
        }
    }

    /** Where a message with these headers goes, by the directory as it is now. */
    public Recipients resolve(Account account, Headers headers) {
        return resolve(account, headers, directoryView::read);
    }

    private Recipients resolve(Account account, Headers headers, Supplier<DirectorySnapshot> directoryNow) {
        MailAddress owner = MailAddress.parse(account.ownerAddress());
        if (!account.mimeRecipients()) {
            return new Recipients(List.of(owner), List.of(), null, null);
        }
        DirectorySnapshot snapshot = directoryNow.get();
        Set<MailAddress> candidates;
        try {
            candidates = candidates(account, headers, snapshot);
        } catch (Refused e) {
            String notice = e.getMessage() + "; delivered to the owner";
            return new Recipients(List.of(owner), List.of(), e.getMessage(), notice);
        }
        AddressExpansion expansion = new AddressExpansion(snapshot);
        candidates.forEach(expansion::expand);

        List<MailAddress> mailboxes = new ArrayList<>(expansion.mailboxes);
        List<MailAddress> routed = new ArrayList<>();
        String ownerBecause = null;
        if (account.routeRecipients()) {
            Set<String> looped = loopedRoutes(account, headers);
            for (MailAddress a : expansion.routed) {
                if (looped.contains(a.domain())) {
                    ownerBecause = "it was routed to " + a.domain() + " by this account before (routing loop)";
                } else if (EnvelopeAddress.hasSourceRoute(a.toString())) {
                    ownerBecause = "a routed address holds % or ! (a relay could forward it off the route's domain)";
                } else {
                    routed.add(a);
                }
            }
        }
        if (mailboxes.isEmpty() && routed.isEmpty() && ownerBecause == null) {
            ownerBecause = "no local recipient";
        }
        if (ownerBecause != null && !expansion.mailboxes.contains(owner)) {
            mailboxes.add(owner);
        }
        return new Recipients(List.copyOf(mailboxes), List.copyOf(routed), ownerBecause, null);
    }

    /**
     * The addresses the headers name: envelope headers first (only local or routed ones), else the
     * recipient headers and Received {@code for} clauses. Refused when a header is longer than
     * {@link HeaderAddresses#HEADER_SIZE_LIMIT} or more than {@link #maxPerMessage} distinct addresses appear.
     */
    private Set<MailAddress> candidates(Account account, Headers headers, DirectorySnapshot snapshot) throws Refused {
        Set<MailAddress> candidates = new LinkedHashSet<>();
        for (String name : account.envelopeHeaders()) {
            for (String value : values(headers, name)) {
                for (MailAddress a : HeaderAddresses.parse(value)) {
                    if (snapshot.isLocalOrRouted(a.domain())) {
                        add(candidates, a);
                    }
                }
            }
        }
        if (candidates.isEmpty()) {
            for (String name : account.recipientHeaders()) {
                for (String value : values(headers, name)) {
                    for (MailAddress a : HeaderAddresses.parse(value)) {
                        add(candidates, a);
                    }
                }
            }
            for (String value : values(headers, "Received")) {
                for (MailAddress a : HeaderAddresses.receivedFor(value)) {
                    add(candidates, a);
                }
            }
        }
        return candidates;
    }

    private void add(Set<MailAddress> candidates, MailAddress a) throws Refused {
        if (candidates.add(a) && candidates.size() > maxPerMessage) {
            throw new Refused("too many (more than " + maxPerMessage + " distinct addresses)");
        }
    }

    private static String[] values(Headers headers, String name) throws Refused {
        String[] values = headers.get(name);
        for (String v : values) {
            if (v != null && v.length() > HeaderAddresses.HEADER_SIZE_LIMIT) {
                throw new Refused("header " + Printable.of(name) + " too long (" + v.length() + " > "
                        + HeaderAddresses.HEADER_SIZE_LIMIT + " characters)");
            }
        }
        return values;
    }

    /** The headers cannot be used as a recipient list; the message goes to the owner. */
    private static final class Refused extends Exception {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /** The routes this account already sent the message through, from our trace headers. */
    private static Set<String> loopedRoutes(Account account, Headers headers) {
        Set<String> out = new LinkedHashSet<>();
        for (String value : headers.get(TraceHeaders.ROUTED)) {
            String v = value.replaceAll("\\s+", "");
            if (v.startsWith("account=" + account.id() + ";route=")) {
                out.add(v.substring(("account=" + account.id() + ";route=").length()).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return out;
    }

}
