package org.mailfetch.service;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.mailfetch.store.NotFound;
import org.mailfetch.delivery.Outbox;
import org.mailfetch.delivery.OutboxEntry;
import org.mailfetch.delivery.OutboxWorker;

/** Routed mail waiting for (or given up on by) its SMTP target, as `outbox` and /api/outbox handle it. */
public final class OutboxService {

    private final Services services;
    private final Outbox outbox;

    /** Over the CLI's stores. */
    public OutboxService(Services services) {
        this(services, services.outbox());
    }

    /** Over the outbox the running service's worker sends from. */
    public OutboxService(Services services, Outbox outbox) {
        this.services = services;
        this.outbox = outbox;
    }

    public List<OutboxEntry> list() {
        return outbox.list();
    }

    /** Makes a waiting or failed entry due now; returns it. */
    public OutboxEntry retry(long id) {
        outbox.retry(id);
        return outbox.get(id).orElseThrow(() -> new NotFound("no outbox entry " + id));
    }

    /** What {@link #sendDue} did: entries tried, then how many are in each state. */
    public record SendReport(int tried, long waiting, long failed, long sent) {
        public String line() {
            return "tried " + tried + "; waiting " + waiting + ", failed " + failed + ", sent " + sent;
        }
    }

    /** Sends the entries that are due now, in this process (no service needed). */
    public SendReport sendDue() {
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            int tried = new OutboxWorker(outbox, services.smtpRoutes(), services.accounts(), services.credentials(),
                    services.settings(), fsync,
                    Clock.systemUTC()).deliverDue();
            Map<OutboxEntry.State, Long> states = outbox.list().stream()
                    .collect(Collectors.groupingBy(OutboxEntry::state, Collectors.counting()));
            return new SendReport(tried, states.getOrDefault(OutboxEntry.State.WAITING, 0L),
                    states.getOrDefault(OutboxEntry.State.FAILED, 0L), states.getOrDefault(OutboxEntry.State.SENT, 0L));
        } finally {
            fsync.shutdown();
        }
    }
}
