package org.mailfetch.recipient;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mailfetch.mail.MailAddress;

/**
 * The local directory and the routed domains as one session's messages see them: read with a fixed
 * number of queries once per session (the session's first message that needs it), then looked up in
 * hash maps. A message naming thousands of addresses costs thousands of map lookups, not thousands of
 * database round trips, and a session of thousands of messages no query per message.
 */
final class DirectorySnapshot {

    private final Map<String, LocalDomain> domains;
    private final Set<String> mailboxes;
    private final Map<String, List<String>> aliasTargets;
    private final Map<String, List<String>> listMembers;
    private final Set<String> routedDomains;

    DirectorySnapshot(Map<String, LocalDomain> domains, Set<String> mailboxes, Map<String, List<String>> aliasTargets,
                      Map<String, List<String>> listMembers, Set<String> routedDomains) {
        this.domains = new HashMap<>(domains);
        this.mailboxes = new HashSet<>(mailboxes);
        this.aliasTargets = new HashMap<>(aliasTargets);
        this.listMembers = new HashMap<>(listMembers);
        this.routedDomains = new HashSet<>(routedDomains);
    }

    /** The domain if it is local and enabled. */
    Optional<LocalDomain> enabledDomain(String name) {
        return Optional.ofNullable(domains.get(name)).filter(LocalDomain::enabled);
    }

    boolean isMailbox(MailAddress a) {
        return mailboxes.contains(a.toString());
    }

    /** Targets of an enabled alias plus members of an enabled list of that address. */
    List<String> expansion(MailAddress a) {
        List<String> aliases = aliasTargets.getOrDefault(a.toString(), List.of());
        List<String> members = listMembers.getOrDefault(a.toString(), List.of());
        if (members.isEmpty()) {
            return aliases;
        }
        if (aliases.isEmpty()) {
            return members;
        }
        List<String> both = new java.util.ArrayList<>(aliases);
        both.addAll(members);
        return both;
    }

    boolean isRouted(String domain) {
        return routedDomains.contains(domain);
    }

    boolean isLocalOrRouted(String domain) {
        return enabledDomain(domain).isPresent() || isRouted(domain);
    }
}
