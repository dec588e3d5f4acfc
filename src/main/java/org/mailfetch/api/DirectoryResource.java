package org.mailfetch.api;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.mailfetch.service.DirectoryService;
import org.mailfetch.service.DirectoryView;
import org.mailfetch.store.NotFound;

/**
 * /api/domains, /api/mailboxes, /api/aliases and /api/lists: the local directory, as the `domain`,
 * `mailbox`, `alias` and `list` commands manage it and with the same JSON as their `--json` output.
 * The rules are the directory's own; what it refuses is a 400 naming the field.
 */
public final class DirectoryResource {

    /** A domain as GET shows it; name and enabled are accepted (and ignored) by PUT so a GET copy can be sent back. */
    private static final Set<String> DOMAIN_FIELDS = Set.of("name", "enabled", "catchAll", "lmtp");

    private final DirectoryService directory;

    public DirectoryResource(DirectoryService directory) {
        this.directory = directory;
    }

    // --- domains

    public void listDomains(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.domains().stream().map(DirectoryView::domain).toList());
    }

    /** {name, catchAll?, lmtp?}: the options are checked before the domain is added, so a bad one adds nothing. */
    public void addDomain(Exchange exchange) {
        RequestBody body = new RequestBody(ApiJson.object(exchange)).only(Set.of("name", "catchAll", "lmtp"));
        String name = body.required("name");
        ApiJson.respond(exchange, 201, DirectoryView.domain(
                directory.addDomain(name, body.optional("catchAll"), body.optional("lmtp"))));
    }

    /** {catchAll?, lmtp?}: a field left out stays, null or "" clears it (like --no-catch-all, --no-lmtp). */
    public void updateDomain(Exchange exchange) {
        String name = exchange.getMessage().getHeader("name", String.class);
        RequestBody body = new RequestBody(ApiJson.object(exchange)).only(DOMAIN_FIELDS);
        ApiJson.respond(exchange, 200, DirectoryView.domain(
                directory.updateDomain(name, option(body, "catchAll"), option(body, "lmtp"))));
    }

    public void removeDomain(Exchange exchange) {
        directory.removeDomain(exchange.getMessage().getHeader("name", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    /** Absent: unchanged; null or "": cleared (the empty text); else the text. */
    private static Optional<String> option(RequestBody body, String field) {
        if (!body.has(field)) {
            return Optional.empty();
        }
        return Optional.of(body.isCleared(field) ? "" : body.text(field));
    }

    // --- mailboxes

    public void listMailboxes(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.mailboxes().stream().map(DirectoryView::mailbox).toList());
    }

    public void addMailbox(Exchange exchange) {
        String address = new RequestBody(ApiJson.object(exchange)).only(Set.of("address")).required("address");
        ApiJson.respond(exchange, 201, DirectoryView.mailbox(inLocalDomain(() -> directory.addMailbox(address))));
    }

    public void removeMailbox(Exchange exchange) {
        directory.removeMailbox(exchange.getMessage().getHeader("address", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    // --- aliases and distribution lists: an address in a local domain and the addresses it stands for

    public void listAliases(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.aliases().stream().map(DirectoryView::alias).toList());
    }

    /** {address, targets: [...]} */
    public void addAlias(Exchange exchange) {
        RequestBody body = expansion(exchange, "targets");
        ApiJson.respond(exchange, 201, DirectoryView.alias(inLocalDomain(
                () -> directory.addAlias(body.required("address"), members(body, "targets")))));
    }

    public void removeAlias(Exchange exchange) {
        directory.removeAlias(exchange.getMessage().getHeader("alias", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    public void listLists(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.lists().stream().map(DirectoryView::list).toList());
    }

    /** {address, members: [...]} */
    public void addList(Exchange exchange) {
        RequestBody body = expansion(exchange, "members");
        ApiJson.respond(exchange, 201, DirectoryView.list(inLocalDomain(
                () -> directory.addList(body.required("address"), members(body, "members")))));
    }

    public void removeList(Exchange exchange) {
        directory.removeList(exchange.getMessage().getHeader("name", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    private static RequestBody expansion(Exchange exchange, String membersField) {
        return new RequestBody(ApiJson.object(exchange)).only(Set.of("address", membersField));
    }

    private static List<String> members(RequestBody body, String field) {
        return body.has(field) ? body.strings(field) : List.of();
    }

    /** An address outside the local domains is a 400 on "address"; a duplicate stays a conflict (409). */
    private static <T> T inLocalDomain(Supplier<T> add) {
        try {
            return add.get();
        } catch (NotFound notLocal) {
            throw ApiError.badField("address", notLocal.getMessage());
        }
    }
}
