package org.mailfetch.recipient;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one address through the local directory to the mailboxes and routed addresses it stands
 * for: mailbox, alias (recursive), distribution list (recursive), plus-addressing
 * ({@code user+tag@domain} falls back to {@code user@domain}), then the domain's catch-all.
 * Cycle-safe (each address is expanded once per message) and depth-capped.
 */
final class AddressExpansion {

    static final int MAX_DEPTH = 10;
    private static final Logger LOG = LoggerFactory.getLogger(AddressExpansion.class);

    private final LocalDirectory directory;
    private final Predicate<String> routedDomain;
    private final Set<MailAddress> seen = new HashSet<>();
    final Set<MailAddress> mailboxes = new LinkedHashSet<>();
    final Set<MailAddress> routed = new LinkedHashSet<>();

    AddressExpansion(LocalDirectory directory, Predicate<String> routedDomain) {
        this.directory = directory;
        this.routedDomain = routedDomain;
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
        Optional<LocalDomain> domain = directory.domain(address.domain()).filter(LocalDomain::enabled);
        if (domain.isEmpty()) {
            if (routedDomain.test(address.domain())) {
                routed.add(address);
            }
            return;
        }
        if (directory.isMailbox(address)) {
            mailboxes.add(address);
            return;
        }
        var targets = new java.util.ArrayList<>(directory.aliasTargets(address));
        targets.addAll(directory.listMembers(address));
        if (!targets.isEmpty()) {
            for (String t : targets) {
                expand(MailAddress.parse(t), depth + 1);
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
            expand(MailAddress.parse(catchAll), depth + 1);
        }
    }
}
