package org.mailfetch.account;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.cluster.StoredTriggers;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.OutOfMemory;

/**
 * Keeps one route per enabled account, {@code account-<id>}, stamped from the route template
 * {@code account} in routes/: adds routes for new accounts, rebuilds those whose interval changed,
 * removes those of disabled or deleted accounts. Runs every few seconds, so changes made by the CLI
 * or another process take effect without a restart. A route an operator stopped or suspended (e.g.
 * over Camel's JMX) stays so until the next restart, also when a changed interval rebuilds it.
 * Each pass also hands the accounts to an observer (the per-account MBeans).
 */
public final class AccountRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(AccountRoutes.class);
    private static final String PREFIX = "account-";

    private final AccountStore accounts;
    private final Map<String, Long> intervals = new HashMap<>();
    private CamelContext camelContext;
    private StoredTriggers storedTriggers;
    /** The wanted routes when stored triggers were last pruned; null: not yet in this process. */
    private Set<String> prunedFor;
    private Consumer<List<Account>> observer = all -> { };

    public AccountRoutes(AccountStore accounts) {
        this.accounts = accounts;
    }

    /** Called with every account after each pass. */
    public void setObserver(Consumer<List<Account>> observer) {
        this.observer = observer;
    }

    /** Set by FetchEngine once Camel Main has created the context. */
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
        this.storedTriggers = new StoredTriggers(camelContext);
    }

    public static String routeId(long accountId) {
        return PREFIX + accountId;
    }

    /**
     * What the health check reads: account routes wanted (enabled accounts) and present after the
     * last pass, since when fewer are present than wanted (null: all there), and the last failure.
     */
    public record Progress(int wanted, int present, Instant behindSince, String lastFailure) { }

    private volatile Progress progress = new Progress(0, 0, null, null);

    public Progress progress() {
        return progress;
    }

    public synchronized void reconcile() throws Exception {
        long started = System.nanoTime();
        List<Account> all = accounts.list();
        Map<String, Long> wanted = new HashMap<>();
        for (Account a : all) {
            if (a.enabled()) {
                wanted.put(routeId(a.id()), TimeUnit.MINUTES.toMillis(a.intervalMinutes()));
            }
        }
        Set<String> paused = new HashSet<>();
        int removed = 0;
        // one scan of the routes per pass: CamelContext.getRoute(id) walks them all, per call
        Set<String> present = new HashSet<>();
        for (Route route : camelContext.getRoutes()) {
            String id = route.getRouteId();
            if (!id.startsWith(PREFIX)) {
                continue;
            }
            present.add(id);
            if (!Objects.equals(wanted.get(id), intervals.get(id))) {
                if (pausedByOperator(id)) {
                    paused.add(id);
                }
                remove(id);
                removed++;
                present.remove(id);
            }
        }
        String failure = null;
        Instant behindSince = progress.behindSince() == null ? Instant.now() : progress.behindSince();
        progress = new Progress(wanted.size(), present.size(), behindSince, progress.lastFailure());
        int added = 0;
        try {
            for (Map.Entry<String, Long> e : wanted.entrySet()) {
                if (!present.contains(e.getKey())) {
                    try {
                        add(e.getKey(), e.getValue(), !paused.contains(e.getKey()));
                        present.add(e.getKey());
                        if (++added % 500 == 0) {
                            progress = new Progress(wanted.size(), present.size(), behindSince, progress.lastFailure());
                        }
                    } catch (Exception ex) {
                        failure = e.getKey() + ": " + ex.getMessage();
                        LOG.warn("{}: cannot add its route: {}", e.getKey(), ex.getMessage());
                    }
                }
            }
        } catch (OutOfMemoryError oom) {
            OutOfMemory.record("adding account routes", oom);
            int up = present.size();
            progress = new Progress(wanted.size(), up, behindSince, "out of memory adding account routes");
            LOG.error("OUT OF MEMORY adding account routes: {} of {} up; the service cannot schedule the rest and"
                    + " reports DOWN on /observe/health: restart it with a larger -Xmx (README, Operations)",
                    up, wanted.size());
            throw oom;
        }
        progress = new Progress(wanted.size(), present.size(),
                present.size() >= wanted.size() ? null : behindSince, failure);
        pruneStoredTriggers(wanted.keySet());
        observer.accept(all);
        if (added + removed > 0) {
            LOG.info("reconciled: {} account routes added, {} removed, {} of {} up, in {} ms", added, removed,
                    present.size(), wanted.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        }
    }

    /**
     * On a cluster: the triggers of accounts no longer wanted leave the shared Quartz tables (Camel
     * leaves them there when a route goes). Checked when the wanted set changes, and once at start.
     */
    private void pruneStoredTriggers(Set<String> wanted) {
        if (wanted.equals(prunedFor)) {
            return;
        }
        try {
            int removed = storedTriggers.keepOnly(wanted);
            prunedFor = Set.copyOf(wanted);
            if (removed > 0) {
                LOG.info("removed {} stored triggers of disabled or deleted accounts", removed);
            }
        } catch (Exception e) {
            LOG.warn("cannot prune the stored triggers of disabled or deleted accounts: {}", e.getMessage());
        }
    }

    private boolean pausedByOperator(String routeId) {
        ServiceStatus status = camelContext.getRouteController().getRouteStatus(routeId);
        return status != null && (status.isStopped() || status.isSuspended());
    }

    private void add(String routeId, long intervalMillis, boolean start) {
        TemplatedRouteBuilder.builder(camelContext, "account")
                .routeId(routeId)
                .parameter("accountId", routeId.substring(PREFIX.length()))
                .parameter("intervalMillis", String.valueOf(intervalMillis))
                // set on every add: the handler may see the template itself
                .handler(template -> template.getRoute().setAutoStartup(start ? "true" : "false"))
                .add();
        intervals.put(routeId, intervalMillis);
        unregisterEndpointMBean(routeId);
        LOG.info("{}: scheduled every {} min{}", routeId, TimeUnit.MILLISECONDS.toMinutes(intervalMillis),
                start ? "" : " (stays stopped: an operator stopped its route)");
    }

    /**
     * Camel registers an MBean for every endpoint it creates while setting up a route, also for routes
     * whose own MBeans are off (camel.main.jmx-management-register-routes-create-by-template = false):
     * the account's Quartz endpoint, ~10 KB of heap per account. Its route is the account's; the
     * account has its own MBean.
     */
    private void unregisterEndpointMBean(String routeId) {
        var strategy = camelContext.getManagementStrategy();
        Route route = camelContext.getRoute(routeId);
        if (strategy == null || strategy.getManagementAgent() == null || strategy.getManagementObjectNameStrategy() == null
                || route == null) {
            return;
        }
        try {
            var name = strategy.getManagementObjectNameStrategy().getObjectNameForEndpoint(route.getEndpoint());
            if (name != null && strategy.getManagementAgent().isRegistered(name)) {
                strategy.getManagementAgent().unregister(name);
            }
        } catch (Exception e) {
            LOG.debug("{}: endpoint MBean stays: {}", routeId, e.getMessage());
        }
    }

    private void remove(String routeId) throws Exception {
        camelContext.getRouteController().stopRoute(routeId);
        camelContext.removeRoute(routeId);
        intervals.remove(routeId);
        LOG.info("{}: unscheduled", routeId);
    }
}
