package org.mailfetch.account;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.apache.camel.model.DefaultRouteTemplateContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.model.RoutesDefinition;
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
    private static final String TEMPLATE = "account";
    /**
     * Routes handed to Camel in one call. Camel checks each route's node ids against every route of its
     * batch (RouteDefinitionHelper.validateUniqueIds), O(batch) per route: 500 made it 8% of a start with
     * 10,000 accounts. Its start of each route walks every route whatever the batch.
     */
    private static final int BATCH = 100;
    /** The route template's own first-fire delay (Camel's default for a Quartz trigger). */
    private static final long FIRST_FIRE_DELAY_MILLIS = 500;

    private final AccountStore accounts;
    private final Map<String, Long> intervals = new HashMap<>();
    private CamelContext camelContext;
    private StoredTriggers storedTriggers;
    /** The wanted routes when stored triggers were last pruned; null: not yet in this process. */
    private Set<String> prunedFor;
    private Consumer<List<Account>> observer = all -> { };
    /** How many new routes may fire their first session at once; the service sets the session cap (Quartz's threads). */
    private int firstFiresAtOnce = 15;

    public AccountRoutes(AccountStore accounts) {
        this.accounts = accounts;
    }

    /** Called with every account after each pass. */
    public void setObserver(Consumer<List<Account>> observer) {
        this.observer = observer;
    }

    /**
     * A pass that adds more routes than this (at start-up: every account) spreads their first fires
     * evenly over each account's interval, this many at a time, instead of firing them all at once:
     * the sessions would queue for Quartz's threads and every timer would fire late.
     */
    public void setFirstFiresAtOnce(int firstFiresAtOnce) {
        if (firstFiresAtOnce < 1) {
            throw new IllegalArgumentException("first fires at once must be at least 1: " + firstFiresAtOnce);
        }
        this.firstFiresAtOnce = firstFiresAtOnce;
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
        List<Pending> pending = new ArrayList<>();
        for (Map.Entry<String, Long> e : wanted.entrySet()) {
            if (!present.contains(e.getKey())) {
                pending.add(new Pending(e.getKey(), e.getValue(), !paused.contains(e.getKey())));
            }
        }
        // in account order, so that the spread of first fires does not depend on a hash map's order
        pending.sort(Comparator.comparingLong(Pending::accountId));
        int added = 0;
        try {
            for (int from = 0; from < pending.size(); from += BATCH) {
                List<Pending> batch = pending.subList(from, Math.min(pending.size(), from + BATCH));
                for (Pending p : addBatch(batch, from, pending.size())) {
                    if (p.failure() == null) {
                        present.add(p.routeId());
                        added++;
                    } else {
                        failure = p.routeId() + ": " + p.failure();
                    }
                }
                progress = new Progress(wanted.size(), present.size(), behindSince, progress.lastFailure());
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

    /** A route to add: its account, its interval, whether it starts, and once tried, why it failed (null: added). */
    private record Pending(String routeId, long intervalMillis, boolean start, String failure) {
        Pending(String routeId, long intervalMillis, boolean start) {
            this(routeId, intervalMillis, start, null);
        }

        long accountId() {
            return Long.parseLong(routeId.substring(PREFIX.length()));
        }

        Pending failed(String why) {
            return new Pending(routeId, intervalMillis, start, why);
        }
    }

    /**
     * Adds a batch of routes stamped from the template with one call into Camel. Not with
     * {@code addRouteFromTemplate}: for every route it checks the node ids of every route definition so
     * far for duplicates ({@code RouteDefinitionHelper.validateUniqueIds}), O(n) per route and O(n²) for
     * 10,000 accounts. A batch is checked for duplicates within itself (Camel's
     * {@code startRouteDefinitions}); the template's nodes have no ids of their own, so Camel's generated
     * ones cannot clash with another route's. If the batch fails, its routes are added one by one, so that
     * one bad account does not keep the others out and its failure names it.
     */
    private List<Pending> addBatch(List<Pending> batch, int firstIndex, int passSize) throws Exception {
        ModelCamelContext model = (ModelCamelContext) camelContext;
        RouteTemplateDefinition template = model.getRouteTemplateDefinition(TEMPLATE);
        if (template == null) {
            throw new IllegalStateException("no route template '" + TEMPLATE + "' (routes/account.camel.yaml)");
        }
        List<Long> delays = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            delays.add(firstFireDelay(firstIndex + i, passSize, batch.get(i).intervalMillis()));
        }
        List<Pending> result = new ArrayList<>(batch.size());
        try {
            List<RouteDefinition> definitions = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                definitions.add(definition(template, batch.get(i), delays.get(i)));
            }
            model.addRouteDefinitions(definitions);
            for (int i = 0; i < batch.size(); i++) {
                added(batch.get(i), delays.get(i));
                result.add(batch.get(i));
            }
        } catch (Exception batchFailure) {
            LOG.warn("adding {} account routes at once failed ({}); adding them one by one", batch.size(),
                    batchFailure.getMessage());
            result.clear();
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                try {
                    if (camelContext.getRoute(p.routeId()) == null) {
                        model.addRouteDefinition(definition(template, p, delays.get(i)));
                    }
                    added(p, delays.get(i));
                    result.add(p);
                } catch (Exception e) {
                    LOG.warn("{}: cannot add its route: {}", p.routeId(), e.getMessage());
                    result.add(p.failed(e.getMessage()));
                }
            }
        }
        return result;
    }

    /**
     * The first fire of the i-th of n routes added in one pass: at once (after Camel's usual half second)
     * while n is no more than the sessions that can run at once; otherwise in groups of that many, the
     * groups spread evenly over the account's interval, so that no account waits longer for its first
     * session than for any later one. On a cluster only a new trigger takes it: a trigger already in
     * Quartz's tables keeps its next fire time (Camel reuses it when the interval is the same).
     */
    long firstFireDelay(int index, int count, long intervalMillis) {
        if (count <= firstFiresAtOnce) {
            return FIRST_FIRE_DELAY_MILLIS;
        }
        long groups = (count + firstFiresAtOnce - 1) / firstFiresAtOnce;
        long group = index / firstFiresAtOnce;
        return FIRST_FIRE_DELAY_MILLIS + intervalMillis / groups * group;
    }

    /** The account's route, as Camel's addRouteFromTemplate stamps it from the template. */
    private RouteDefinition definition(RouteTemplateDefinition template, Pending p, long firstFireDelayMillis)
            throws Exception {
        if (template.getTemplateBeans() != null && !template.getTemplateBeans().isEmpty()) {
            throw new IllegalStateException("route template '" + TEMPLATE + "' has beans, which the account routes do not bind");
        }
        Map<String, Object> defaults = new HashMap<>();
        for (RouteTemplateParameterDefinition parameter : template.getTemplateParameters()) {
            if (parameter.getDefaultValue() != null) {
                defaults.put(parameter.getName(), parameter.getDefaultValue());
            }
        }
        Map<String, Object> parameters = new HashMap<>(defaults);
        parameters.put("accountId", String.valueOf(p.accountId()));
        parameters.put("intervalMillis", String.valueOf(p.intervalMillis()));
        parameters.put("firstFireDelayMillis", String.valueOf(firstFireDelayMillis));
        RouteDefinition route = RouteTemplateDefinition.Converter.DEFAULT_CONVERTER.apply(template, parameters);
        route.setId(p.routeId());
        route.setAutoStartup(p.start() ? "true" : "false");
        route.setTemplateParameters(parameters);
        route.setTemplateDefaultParameters(defaults);
        var context = new DefaultRouteTemplateContext(camelContext);
        parameters.forEach(context::setParameter);
        route.setRouteTemplateContext(context);
        // applies route configurations (global onException and the like) as Camel's template add does
        RoutesDefinition routes = new RoutesDefinition();
        routes.setCamelContext(camelContext);
        routes.prepareRoute(route);
        return route;
    }

    private void added(Pending p, long firstFireDelayMillis) {
        intervals.put(p.routeId(), p.intervalMillis());
        unregisterEndpointMBean(p.routeId());
        LOG.info("{}: scheduled every {} min{}{}", p.routeId(), TimeUnit.MILLISECONDS.toMinutes(p.intervalMillis()),
                firstFireDelayMillis > FIRST_FIRE_DELAY_MILLIS
                        ? ", first in " + TimeUnit.MILLISECONDS.toSeconds(firstFireDelayMillis) + " s" : "",
                p.start() ? "" : " (stays stopped: an operator stopped its route)");
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
