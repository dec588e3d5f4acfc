package org.mailfetch.api;

import org.apache.camel.Exchange;
import org.mailfetch.service.OutboxService;
import org.mailfetch.service.OutboxView;

/** /api/outbox: routed mail waiting for its SMTP target, as `outbox list|retry` show and steer it. */
public final class OutboxResource {

    private final OutboxService outbox;

    public OutboxResource(OutboxService outbox) {
        this.outbox = outbox;
    }

    public void list(Exchange exchange) {
        ApiJson.respond(exchange, 200, outbox.list().stream().map(OutboxView::of).toList());
    }

    /** A waiting or failed entry is tried again at the worker's next run; returns it (200). */
    public void retry(Exchange exchange) {
        ApiJson.respond(exchange, 200, OutboxView.of(outbox.retry(ApiJson.id(exchange, "outbox entry"))));
    }
}
