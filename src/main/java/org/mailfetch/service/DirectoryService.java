package org.mailfetch.service;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.recipient.LocalDomain;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.InvalidValue;

/**
 * The local directory as the administrator manages it, on any surface: domains (with catch-all and
 * LMTP target), mailboxes, aliases and distribution lists. Every input is checked with
 * {@link AdminInput} before anything is stored, so a bad option adds nothing; a refusal names the
 * field as the surface does ({@code --catch-all}, {@code catchAll}).
 */
public final class DirectoryService {

    private final LocalDirectory directory;
    private final UnaryOperator<String> label;

    /** Fields named as the REST API names them. */
    public DirectoryService(Services services) {
        this(services, UnaryOperator.identity());
    }

    /**
     * @param label how the surface names a field: {@code name}, {@code catchAll}, {@code lmtp},
     *              {@code address}, {@code targets}, {@code members}
     */
    public DirectoryService(Services services, UnaryOperator<String> label) {
        this.directory = services.directory();
        this.label = label;
    }

    // --- domains

    public List<LocalDomain> domains() {
        return directory.domainDetails();
    }

    /** A new local domain; catchAll and lmtp may be null. */
    public LocalDomain addDomain(String name, String catchAll, String lmtp) {
        AdminInput.domain(label.apply("name"), name);
        String c = catchAll == null ? null : AdminInput.address(label.apply("catchAll"), catchAll);
        LmtpTarget target = lmtp == null ? null : AdminInput.lmtp(label.apply("lmtp"), lmtp);
        String added;
        try {
            added = directory.addDomain(name, c, target);
        } catch (InvalidValue e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidValue(label.apply("name"), e.getMessage());
        }
        return directory.domain(added).orElseThrow();
    }

    /**
     * Changes a domain's options: an empty Optional leaves the option as it is, an empty text
     * removes it (no catch-all; Maildir instead of LMTP).
     */
    public LocalDomain updateDomain(String name, Optional<String> catchAll, Optional<String> lmtp) {
        Optional<String> c = catchAll.map(a -> a.isEmpty() ? LocalDirectory.CLEAR
                : AdminInput.address(label.apply("catchAll"), a));
        Optional<LmtpTarget> l = lmtp.map(t -> t.isEmpty() ? LmtpTarget.NONE : AdminInput.lmtp(label.apply("lmtp"), t));
        directory.updateDomain(name, c, l);
        return directory.domain(MailAddress.domain(name)).orElseThrow();
    }

    public void removeDomain(String name) {
        directory.removeDomain(name);
    }

    // --- mailboxes

    public List<String> mailboxes() {
        return directory.mailboxes();
    }

    /** Returns the mailbox's address as stored. */
    public String addMailbox(String address) {
        AdminInput.address(label.apply("address"), address);
        return named("address", () -> directory.addMailbox(address).toString());
    }

    public void removeMailbox(String address) {
        directory.removeMailbox(address);
    }

    // --- aliases and distribution lists: an address in a local domain and the addresses it stands for

    public List<LocalDirectory.Expansion> aliases() {
        return directory.aliases();
    }

    public LocalDirectory.Expansion addAlias(String address, List<String> targets) {
        return addExpansion(address, "targets", targets, directory::addAlias, directory::aliases);
    }

    public void removeAlias(String address) {
        directory.removeAlias(address);
    }

    public List<LocalDirectory.Expansion> lists() {
        return directory.lists();
    }

    public LocalDirectory.Expansion addList(String address, List<String> members) {
        return addExpansion(address, "members", members, directory::addList, directory::lists);
    }

    public void removeList(String address) {
        directory.removeList(address);
    }

    private LocalDirectory.Expansion addExpansion(String address, String membersField, List<String> members,
                                                  BiFunction<String, List<String>, String> add,
                                                  Supplier<List<LocalDirectory.Expansion>> all) {
        AdminInput.address(label.apply("address"), address);
        if (members.isEmpty()) {
            throw new InvalidValue(label.apply(membersField), label.apply(membersField) + " needs at least one address");
        }
        members.forEach(m -> AdminInput.address(label.apply(membersField), m));
        String added = named("address", () -> add.apply(address, members));
        return all.get().stream().filter(e -> e.address().equals(added)).findFirst().orElseThrow();
    }

    /** Runs a directory change whose refusal of a malformed address then names the field. */
    private String named(String field, Supplier<String> change) {
        try {
            return change.get();
        } catch (InvalidValue e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidValue(label.apply(field), e.getMessage());
        }
    }
}
