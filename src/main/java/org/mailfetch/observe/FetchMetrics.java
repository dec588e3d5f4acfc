package org.mailfetch.observe;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.mailfetch.fetch.SessionSummary;

/**
 * Per-account Micrometer meters from each session's summary, scraped by Prometheus at
 * /observe/metrics (Camel's PrometheusMeterRegistry): messages and bytes downloaded, deliveries by
 * target (copies: {@code maildir}, {@code lmtp}, {@code smtp} for the outbox; messages:
 * {@code deferred}, {@code quarantine}), deleted messages, failures by kind, sessions by result and
 * the session duration.
 * Tagged with the account id (names need not be unique and may change), and every meter of the
 * registry (Camel's too) with the node (mailfetch.node.name), so several nodes' series stay apart.
 */
public final class FetchMetrics implements Consumer<SessionSummary> {

    /** Camel's Prometheus registry, made here so that every meter carries {@code node="<name>"}. */
    public static PrometheusMeterRegistry registry(String node) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", node);
        return registry;
    }

    private volatile CamelContext camel;
    private volatile MeterRegistry registry;

    public void setCamelContext(CamelContext camel) {
        this.camel = camel;
    }

    @Override
    public void accept(SessionSummary s) {
        MeterRegistry r = registry();
        if (r == null) {
            return;
        }
        String account = String.valueOf(s.accountId());
        String result = s.result().word();
        Counter.builder("mailfetch.sessions").description("Fetch sessions by result").tag("account", account)
                .tag("result", result).register(r).increment();
        if (s.result() == SessionSummary.Result.SKIPPED) {
            return;
        }
        count(r, "mailfetch.messages.downloaded", "Messages downloaded", account, s.downloaded());
        Counter.builder("mailfetch.downloaded.bytes").description("Bytes downloaded").baseUnit("bytes")
                .tag("account", account).register(r).increment(s.bytes());
        count(r, "mailfetch.messages.deleted", "Messages deleted on the external server", account, s.deleted());
        s.copiesByTarget().forEach((target, n) -> delivery(r, account, target, n));
        delivery(r, account, "deferred", s.deferred());
        delivery(r, account, "quarantine", s.quarantined());
        if (s.result() == SessionSummary.Result.FAILED) {
            failure(r, account, kind(s.error()), 1);
        }
        failure(r, account, "message", s.failed());
        Timer.builder("mailfetch.session.duration").description("Duration of fetch sessions")
                .tag("account", account).tag("result", result).register(r)
                .record(Duration.between(s.start(), s.end()));
    }

    /** What kind of failure ended a session, from its one-line description (Failures in the fetch package). */
    static String kind(String error) {
        String e = error == null ? "" : error.toLowerCase(Locale.ROOT);
        if (e.startsWith("login refused")) {
            return "login";
        }
        if (e.startsWith("token endpoint")) {
            return "token";
        }
        if (e.startsWith("unknown host") || e.startsWith("connection refused")) {
            return "connect";
        }
        if (e.startsWith("timed out")) {
            return "timeout";
        }
        if (e.startsWith("tls failed")) {
            return "tls";
        }
        if (e.startsWith("connection lost")) {
            return "connection-lost";
        }
        return "other";
    }

    private static void count(MeterRegistry r, String name, String description, String account, double n) {
        Counter.builder(name).description(description).tag("account", account).register(r).increment(n);
    }

    private static void delivery(MeterRegistry r, String account, String target, double n) {
        Counter.builder("mailfetch.deliveries").description("Messages delivered, by target").tag("account", account)
                .tag("target", target).register(r).increment(n);
    }

    private static void failure(MeterRegistry r, String account, String kind, double n) {
        Counter.builder("mailfetch.failures").description("Failed sessions and messages, by kind")
                .tag("account", account).tag("kind", kind).register(r).increment(n);
    }

    /** The gauge mailfetch_idle_connections: IMAP IDLE connections up now. */
    public void idleConnections(java.util.function.IntSupplier live) {
        gauge("mailfetch.idle.connections", "IMAP IDLE connections up now", live);
    }

    /**
     * The gauge mailfetch_accounts_needs_authorization: OAuth2 accounts whose grant the provider
     * refused; nothing is fetched for them until their owner signs in again (account authorize).
     */
    public void accountsNeedingAuthorization(java.util.function.IntSupplier count) {
        gauge("mailfetch.accounts.needs.authorization", "OAuth2 accounts waiting for a new sign-in", count);
    }

    private void gauge(String name, String description, java.util.function.IntSupplier value) {
        gauges.add(value); // a gauge holds its object weakly: keep it here
        MeterRegistry r = registry();
        if (r != null) {
            io.micrometer.core.instrument.Gauge.builder(name, value, v -> v.getAsInt()).description(description).register(r);
        }
    }

    private final java.util.List<java.util.function.IntSupplier> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();

    private MeterRegistry registry() {
        MeterRegistry r = registry;
        if (r == null && camel != null) {
            r = camel.getRegistry().findSingleByType(MeterRegistry.class);
            registry = r;
        }
        return r;
    }
}
