package org.mailfetch.account;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Route;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one route per enabled account, {@code account-<id>}, stamped from the route template
 * {@code account} in routes/: adds routes for new accounts, rebuilds those whose interval changed,
 * removes those of disabled or deleted accounts. Runs every few seconds, so changes made by the CLI
 * or another process take effect without a restart.
 */
public final class AccountRoutes implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(AccountRoutes.class);
    private static final String PREFIX = "account-";

    private final AccountStore accounts;
    private final Map<String, Long> intervals = new HashMap<>();
    private CamelContext camelContext;

    public AccountRoutes(AccountStore accounts) {
        this.accounts = accounts;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    public static String routeId(long accountId) {
        return PREFIX + accountId;
    }

    public synchronized void reconcile() throws Exception {
        Map<String, Long> wanted = new HashMap<>();
        for (Account a : accounts.list()) {
            if (a.enabled()) {
                wanted.put(routeId(a.id()), TimeUnit.MINUTES.toMillis(a.intervalMinutes()));
            }
        }
        for (Route route : camelContext.getRoutes()) {
            String id = route.getRouteId();
            if (id.startsWith(PREFIX) && !Objects.equals(wanted.get(id), intervals.get(id))) {
                remove(id);
            }
        }
        for (Map.Entry<String, Long> e : wanted.entrySet()) {
            if (camelContext.getRoute(e.getKey()) == null) {
                add(e.getKey(), e.getValue());
            }
        }
    }

    private void add(String routeId, long intervalMillis) {
        TemplatedRouteBuilder.builder(camelContext, "account")
                .routeId(routeId)
                .parameter("accountId", routeId.substring(PREFIX.length()))
                .parameter("intervalMillis", String.valueOf(intervalMillis))
                .add();
        intervals.put(routeId, intervalMillis);
        LOG.info("{}: scheduled every {} min", routeId, TimeUnit.MILLISECONDS.toMinutes(intervalMillis));
    }

    private void remove(String routeId) throws Exception {
        camelContext.getRouteController().stopRoute(routeId);
        camelContext.removeRoute(routeId);
        intervals.remove(routeId);
        LOG.info("{}: unscheduled", routeId);
    }
}
