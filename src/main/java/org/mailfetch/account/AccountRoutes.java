package org.mailfetch.account;

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
import org.mailfetch.mail.Account;

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
    }

    public static String routeId(long accountId) {
        return PREFIX + accountId;
    }

    public synchronized void reconcile() throws Exception {
        List<Account> all = accounts.list();
        Map<String, Long> wanted = new HashMap<>();
        for (Account a : all) {
            if (a.enabled()) {
                wanted.put(routeId(a.id()), TimeUnit.MINUTES.toMillis(a.intervalMinutes()));
            }
        }
        Set<String> paused = new HashSet<>();
        for (Route route : camelContext.getRoutes()) {
            String id = route.getRouteId();
            if (id.startsWith(PREFIX) && !Objects.equals(wanted.get(id), intervals.get(id))) {
                if (pausedByOperator(id)) {
                    paused.add(id);
                }
                remove(id);
            }
        }
        for (Map.Entry<String, Long> e : wanted.entrySet()) {
            if (camelContext.getRoute(e.getKey()) == null) {
                add(e.getKey(), e.getValue(), !paused.contains(e.getKey()));
            }
        }
        observer.accept(all);
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
        LOG.info("{}: scheduled every {} min{}", routeId, TimeUnit.MILLISECONDS.toMinutes(intervalMillis),
                start ? "" : " (stays stopped: an operator stopped its route)");
    }

    private void remove(String routeId) throws Exception {
        camelContext.getRouteController().stopRoute(routeId);
        camelContext.removeRoute(routeId);
        intervals.remove(routeId);
        LOG.info("{}: unscheduled", routeId);
    }
}
