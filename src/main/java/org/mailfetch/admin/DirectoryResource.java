package org.mailfetch.admin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.recipient.MailAddress;
import org.mailfetch.store.NotFound;

/**
 * /api/domains, /api/mailboxes, /api/aliases and /api/lists: the local directory, as the `domain`,
 * `mailbox`, `alias` and `list` commands manage it and with the same JSON as their `--json` output.
 * The rules are the directory's own; what it refuses is a 400 naming the field.
 */
public final class DirectoryResource {

    /** A domain as GET shows it; name and enabled are accepted (and ignored) by PUT so a GET copy can be sent back. */
    private static final Set<String> DOMAIN_FIELDS = Set.of("name", "enabled", "catchAll", "lmtp");

    private final LocalDirectory directory;

    public DirectoryResource(LocalDirectory directory) {
        this.directory = directory;
    }

    // --- domains

    public void listDomains(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.domainDetails().stream().map(DomainCommand::json).toList());
    }

    /** {name, catchAll?, lmtp?}: the options are checked before the domain is added, so a bad one adds nothing. */
    public void addDomain(Exchange exchange) {
        RequestBody body = new RequestBody(ApiJson.object(exchange)).only(Set.of("name", "catchAll", "lmtp"));
        String name = body.required("name");
        AdminInput.domain("name", name);
        String catchAll = catchAll(body).filter(c -> !c.equals(LocalDirectory.CLEAR)).orElse(null);
        LmtpTarget lmtp = lmtp(body).filter(l -> l != LmtpTarget.NONE).orElse(null);
        String added = RequestBody.parsed("name", name, n -> directory.addDomain(n, catchAll, lmtp));
        ApiJson.respond(exchange, 201, DomainCommand.json(directory.domain(added).orElseThrow()));
    }

    /** {catchAll?, lmtp?}: a field left out stays, null or "" clears it (like --no-catch-all, --no-lmtp). */
    public void updateDomain(Exchange exchange) {
        String name = exchange.getMessage().getHeader("name", String.class);
        RequestBody body = new RequestBody(ApiJson.object(exchange)).only(DOMAIN_FIELDS);
        directory.updateDomain(name, catchAll(body), lmtp(body));
        ApiJson.respond(exchange, 200, DomainCommand.json(directory.domain(MailAddress.domain(name)).orElseThrow()));
    }

    public void removeDomain(Exchange exchange) {
        directory.removeDomain(exchange.getMessage().getHeader("name", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    private static Optional<String> catchAll(RequestBody body) {
        if (!body.has("catchAll")) {
            return Optional.empty();
        }
        return Optional.of(body.isCleared("catchAll") ? LocalDirectory.CLEAR
                : MailAddress.parse(AdminInput.address("catchAll", body.text("catchAll"))).toString());
    }

    private static Optional<LmtpTarget> lmtp(RequestBody body) {
        if (!body.has("lmtp")) {
            return Optional.empty();
        }
        return Optional.of(body.isCleared("lmtp") ? LmtpTarget.NONE : AdminInput.lmtp("lmtp", body.text("lmtp")));
    }

    // --- mailboxes

    public void listMailboxes(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.mailboxes().stream().map(a -> Map.of("address", a)).toList());
    }

    public void addMailbox(Exchange exchange) {
        String address = new RequestBody(ApiJson.object(exchange)).only(Set.of("address")).required("address");
        AdminInput.address("address", address);
        String added = inLocalDomain(() -> directory.addMailbox(address).toString());
        ApiJson.respond(exchange, 201, Map.of("address", added));
    }

    public void removeMailbox(Exchange exchange) {
        directory.removeMailbox(exchange.getMessage().getHeader("address", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    // --- aliases and distribution lists: an address in a local domain and the addresses it stands for

    public void listAliases(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.aliases().stream().map(AliasCommand::json).toList());
    }

    /** {address, targets: [...]} */
    public void addAlias(Exchange exchange) {
        addExpansion(exchange, "targets", directory::addAlias, directory::aliases, AliasCommand::json);
    }

    public void removeAlias(Exchange exchange) {
        directory.removeAlias(exchange.getMessage().getHeader("alias", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    public void listLists(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.lists().stream().map(ListCommand::json).toList());
    }

    /** {address, members: [...]} */
    public void addList(Exchange exchange) {
        addExpansion(exchange, "members", directory::addList, directory::lists, ListCommand::json);
    }

    public void removeList(Exchange exchange) {
        directory.removeList(exchange.getMessage().getHeader("name", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    private void addExpansion(Exchange exchange, String membersField, BiFunction<String, List<String>, String> add,
                              Supplier<List<LocalDirectory.Expansion>> all,
                              Function<LocalDirectory.Expansion, Map<String, ?>> json) {
        RequestBody body = new RequestBody(ApiJson.object(exchange)).only(Set.of("address", membersField));
        String address = AdminInput.address("address", body.required("address"));
        List<String> members = body.has(membersField) ? body.strings(membersField) : List.of();
        if (members.isEmpty()) {
            throw ApiError.badField(membersField, membersField + " needs at least one address");
        }
        members.forEach(m -> AdminInput.address(membersField, m));
        String added = inLocalDomain(() -> add.apply(address, members));
        LocalDirectory.Expansion e = all.get().stream().filter(x -> x.address().equals(added)).findFirst().orElseThrow();
        ApiJson.respond(exchange, 201, json.apply(e));
    }

    /**
     * Adds an address (members already checked): a malformed address, or one outside the local
     * domains, is a 400 on "address"; a duplicate stays a conflict (409).
     */
    private static String inLocalDomain(Supplier<String> add) {
        try {
            return add.get();
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("address", e.getMessage());
        } catch (NotFound notLocal) {
            throw ApiError.badField("address", notLocal.getMessage());
        }
    }
}
