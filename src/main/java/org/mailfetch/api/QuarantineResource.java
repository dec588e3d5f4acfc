package org.mailfetch.api;

import java.io.IOException;
import java.util.Map;

import org.apache.camel.Exchange;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.service.QuarantineView;

/** /api/quarantine: mail held back by the content filters, as `quarantine list|release|delete` handle it. */
public final class QuarantineResource {

    private final QuarantineStore store;

    public QuarantineResource(QuarantineStore store) {
        this.store = store;
    }

    public void list(Exchange exchange) {
        ApiJson.respond(exchange, 200, store.list().stream().map(QuarantineView::of).toList());
    }

    /** Delivers the message durably to its owner's inbox, then forgets it: {id, deliveredTo} (200). */
    public void release(Exchange exchange) throws IOException {
        QuarantineItem item = find(exchange);
        store.release(item.id());
        ApiJson.respond(exchange, 200, Map.of("id", item.id(), "deliveredTo", item.ownerAddress()));
    }

    public void delete(Exchange exchange) throws IOException {
        store.delete(find(exchange).id());
        ApiJson.respond(exchange, 204, null);
    }

    private QuarantineItem find(Exchange exchange) {
        long id = ApiJson.id(exchange, "quarantined message");
        return store.get(id).orElseThrow(() -> ApiError.notFound("no quarantined message " + id));
    }
}
