package org.mailfetch.api;

import java.io.IOException;
import java.util.Map;

import org.apache.camel.Exchange;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.service.QuarantineService;
import org.mailfetch.service.QuarantineView;

/** /api/quarantine: mail held back by the content filters, as `quarantine list|release|delete` handle it. */
public final class QuarantineResource {

    private final QuarantineService quarantine;

    public QuarantineResource(QuarantineService quarantine) {
        this.quarantine = quarantine;
    }

    public void list(Exchange exchange) {
        ApiJson.respond(exchange, 200, quarantine.list().stream().map(QuarantineView::of).toList());
    }

    /** Delivers the message durably to its owner's inbox, then forgets it: {id, deliveredTo} (200). */
    public void release(Exchange exchange) throws IOException {
        QuarantineItem item = quarantine.release(id(exchange));
        ApiJson.respond(exchange, 200, Map.of("id", item.id(), "deliveredTo", item.ownerAddress()));
    }

    public void delete(Exchange exchange) throws IOException {
        quarantine.delete(id(exchange));
        ApiJson.respond(exchange, 204, null);
    }

    private static long id(Exchange exchange) {
        return ApiJson.id(exchange, "quarantined message");
    }
}
