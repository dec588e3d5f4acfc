package org.mailfetch.recipient;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.mailfetch.account.Account;
import org.mailfetch.delivery.SmtpRoutes;
import org.mailfetch.fetch.FetchedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
public final class RecipientResolver {

    /** Trace header the outbox adds to routed mail: {@code account=<id>; route=<domain>}. */
    public static final String ROUTED_HEADER = "X-Mailfetch-Routed";

    private static final Logger LOG = LoggerFactory.getLogger(RecipientResolver.class);

    /** A message's header values by name, topmost first. */
    @FunctionalInterface
    public interface Headers {
        String[] get(String name);
    }

    /** Where a message goes, and why the owner got it if it did. */
    public record Recipients(List<MailAddress> mailboxes, List<MailAddress> routed, String ownerBecause) {}

    private final LocalDirectory directory;
    private final SmtpRoutes routes;

    public RecipientResolver(LocalDirectory directory, SmtpRoutes routes) {
        this.directory = directory;
        this.routes = routes;
    }

    /** The step of the chain. */
    public void resolve(FetchedMessage message) {
        Recipients r = resolve(message.account(), message::header);
        message.recipients(r.mailboxes());
        message.routedRecipients(r.routed());
        if (r.ownerBecause() != null) {
            LOG.info("{}: UIDL {} goes to the owner {}: {}", message.account().label(), message.uidl(),
                    message.account().ownerAddress(), r.ownerBecause());
        }
    }

    public Recipients resolve(Account account, Headers headers) {
        MailAddress owner = MailAddress.parse(account.ownerAddress());
        if (!account.mimeRecipients()) {
            return new Recipients(List.of(owner), List.of(), null);
        }
        Set<MailAddress> candidates = new LinkedHashSet<>();
        for (String name : account.envelopeHeaders()) {
            for (String value : headers.get(name)) {
                for (MailAddress a : HeaderAddresses.parse(value)) {
                    if (isLocalOrRouted(a.domain())) {
                        candidates.add(a);
                    }
                }
            }
        }
        if (candidates.isEmpty()) {
            for (String name : account.recipientHeaders()) {
                for (String value : headers.get(name)) {
                    candidates.addAll(HeaderAddresses.parse(value));
                }
            }
            for (String value : headers.get("Received")) {
                candidates.addAll(HeaderAddresses.receivedFor(value));
            }
        }
        AddressExpansion expansion = new AddressExpansion(directory, d -> routes.forDomain(d).isPresent());
        candidates.forEach(expansion::expand);

        List<MailAddress> mailboxes = new ArrayList<>(expansion.mailboxes);
        List<MailAddress> routed = new ArrayList<>();
        String ownerBecause = null;
        if (account.routeRecipients()) {
            Set<String> looped = loopedRoutes(account, headers);
            for (MailAddress a : expansion.routed) {
                if (looped.contains(a.domain())) {
                    ownerBecause = "it was routed to " + a.domain() + " by this account before (routing loop)";
                } else {
                    routed.add(a);
                }
            }
        }
        if (mailboxes.isEmpty() && routed.isEmpty() && ownerBecause == null) {
            ownerBecause = "no local recipient";
        }
        if (ownerBecause != null && !mailboxes.contains(owner)) {
            mailboxes.add(owner);
        }
        return new Recipients(List.copyOf(mailboxes), List.copyOf(routed), ownerBecause);
    }

    private boolean isLocalOrRouted(String domain) {
        return directory.domain(domain).filter(LocalDomain::enabled).isPresent() || routes.forDomain(domain).isPresent();
    }

    /** The routes this account already sent the message through, from our trace headers. */
    private static Set<String> loopedRoutes(Account account, Headers headers) {
        Set<String> out = new LinkedHashSet<>();
        for (String value : headers.get(ROUTED_HEADER)) {
            String v = value.replaceAll("\\s+", "");
            if (v.startsWith("account=" + account.id() + ";route=")) {
                out.add(v.substring(("account=" + account.id() + ";route=").length()).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return out;
    }

    /** The trace header value for a message this account routes to {@code domain}. */
    public static String routedTrace(long accountId, String domain) {
        return ROUTED_HEADER + ": account=" + accountId + "; route=" + domain + "\n";
    }
}
