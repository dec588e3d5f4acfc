package org.mailfetch.recipient;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.mail.MailAddress;

/**
 * Follows one address through the local directory to the mailboxes and routed addresses it stands
 * for: mailbox, alias (recursive), distribution list (recursive), plus-addressing
 * ({@code user+tag@domain} falls back to {@code user@domain}), then the domain's catch-all.
 * Cycle-safe (each address is expanded once per message) and depth-capped.
 */
final class AddressExpansion {

    static final int MAX_DEPTH = 10;
    private static final Logger LOG = LoggerFactory.getLogger(AddressExpansion.class);

    private final DirectorySnapshot directory;
    private final Set<MailAddress> seen = new HashSet<>();
    final Set<MailAddress> mailboxes = new LinkedHashSet<>();
    final Set<MailAddress> routed = new LinkedHashSet<>();

    AddressExpansion(DirectorySnapshot directory) {
        this.directory = directory;
    }

    void expand(MailAddress address) {
        expand(address, 0);
    }

    private void expand(MailAddress address, int depth) {
        if (depth > MAX_DEPTH) {
            LOG.warn("{}: aliases and lists nested deeper than {}; not followed further", address, MAX_DEPTH);
            return;
        }
        if (!seen.add(address)) {
            return; // a cycle, or reached twice: one copy per mailbox
        }
        Optional<LocalDomain> domain = directory.enabledDomain(address.domain());
        if (domain.isEmpty()) {
            if (directory.isRouted(address.domain())) {
                routed.add(address);
            }
            return;
        }
        if (directory.isMailbox(address)) {
            mailboxes.add(address);
            return;
        }
        var targets = directory.expansion(address);
        if (!targets.isEmpty()) {
            for (String t : targets) {
                expandStored(address, t, depth + 1);
            }
            return;
        }
        int plus = address.localPart().indexOf('+');
        if (plus > 0) {
            expand(new MailAddress(address.localPart().substring(0, plus), address.domain()), depth);
            return;
        }
        String catchAll = domain.get().catchAll();
        if (catchAll != null) {
            expandStored(address, catchAll, depth + 1);
        }
    }

    /** An alias target, list member or catch-all from the directory; one stored under older, laxer rules is skipped. */
    private void expandStored(MailAddress from, String stored, int depth) {
        MailAddress target;
        try {
            target = MailAddress.parse(stored);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: directory entry '{}' is not a usable address any more ({}); not followed", from,
                    stored, e.getMessage());
            return;
        }
        expand(target, depth);
    }
}
