package org.mailfetch.admin;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.mailfetch.recipient.LocalDirectory;

/** /api/domains and /api/mailboxes: the local directory, as `domain` and `mailbox` commands manage it. */
public final class DirectoryResource {

    private final LocalDirectory directory;

    public DirectoryResource(LocalDirectory directory) {
        this.directory = directory;
    }

    public void listDomains(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.domains().stream().map(d -> Map.of("name", d)).toList());
    }

    public void addDomain(Exchange exchange) {
        String name = field(ApiJson.object(exchange), "name");
        String added;
        try {
            added = directory.addDomain(name);
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("name", e.getMessage());
        }
        ApiJson.respond(exchange, 201, Map.of("name", added));
    }

    public void removeDomain(Exchange exchange) {
        directory.removeDomain(exchange.getMessage().getHeader("name", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    public void listMailboxes(Exchange exchange) {
        ApiJson.respond(exchange, 200, directory.mailboxes().stream().map(a -> Map.of("address", a)).toList());
    }

    public void addMailbox(Exchange exchange) {
        String address = field(ApiJson.object(exchange), "address");
        String added;
        try {
            added = directory.addMailbox(address).toString();
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("address", e.getMessage());
        } catch (org.mailfetch.store.StoreException e) {
            if (e.getMessage().contains("not a local domain")) {
                throw ApiError.badField("address", e.getMessage());
            }
            throw e;
        }
        ApiJson.respond(exchange, 201, Map.of("address", added));
    }

    public void removeMailbox(Exchange exchange) {
        directory.removeMailbox(exchange.getMessage().getHeader("address", String.class));
        ApiJson.respond(exchange, 204, null);
    }

    private static String field(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw ApiError.badField(name, name + " is required");
        }
        return n.asText();
    }
}
