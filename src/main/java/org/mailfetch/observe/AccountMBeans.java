package org.mailfetch.observe;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.ManagementAgent;
import org.mailfetch.account.AccountRoutes;
import org.mailfetch.mail.Account;
import org.mailfetch.service.AccountService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link ExternalAccountMBean} per account registered, in step with the accounts table:
 * called by the reconciler (AccountRoutes) with every account on each pass. A renamed account is
 * registered again under its new ObjectName. Camel's management agent unregisters them all when the
 * service stops.
 */
public final class AccountMBeans {

    private static final Logger LOG = LoggerFactory.getLogger(AccountMBeans.class);

    private final AccountService accounts;
    private final Map<Long, ObjectName> registered = new HashMap<>();
    private CamelContext camel;

    public AccountMBeans(AccountService accounts) {
        this.accounts = accounts;
    }

    private final ExternalAccountMBean.RouteSwitch routeSwitch = new ExternalAccountMBean.RouteSwitch() {
        @Override
        public void stop(long accountId) throws Exception {
            camel.getRouteController().stopRoute(AccountRoutes.routeId(accountId));
        }

        @Override
        public void start(long accountId) throws Exception {
            camel.getRouteController().startRoute(AccountRoutes.routeId(accountId));
        }

        @Override
        public String status(long accountId) {
            var s = camel.getRouteController().getRouteStatus(AccountRoutes.routeId(accountId));
            return s == null ? null : s.name();
        }
    };

    public void setCamelContext(CamelContext camel) {
        this.camel = camel;
    }

    public static ObjectName objectName(long id, String name) {
        try {
            return new ObjectName("mailfetch:type=ExternalAccount,id=" + id + ",name=" + ObjectName.quote(name));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public synchronized void update(List<Account> all) {
        ManagementAgent agent = agent();
        if (agent == null) {
            return;
        }
        Set<Long> present = new HashSet<>();
        for (Account a : all) {
            present.add(a.id());
            ObjectName wanted = objectName(a.id(), a.name());
            ObjectName current = registered.get(a.id());
            if (wanted.equals(current)) {
                continue;
            }
            if (current != null) {
                unregister(agent, a.id());
            }
            try {
                agent.register(new ExternalAccountMBean(a.id(), accounts, routeSwitch), wanted);
                registered.put(a.id(), wanted);
            } catch (Exception e) {
                LOG.warn("{}: cannot register MBean {}: {}", a.label(), wanted, e.getMessage());
            }
        }
        for (Long id : Set.copyOf(registered.keySet())) {
            if (!present.contains(id)) {
                unregister(agent, id);
            }
        }
    }

    private void unregister(ManagementAgent agent, long id) {
        ObjectName name = registered.remove(id);
        try {
            agent.unregister(name);
        } catch (Exception e) {
            LOG.warn("cannot unregister MBean {}: {}", name, e.getMessage());
        }
    }

    private ManagementAgent agent() {
        return camel == null || camel.getManagementStrategy() == null ? null
                : camel.getManagementStrategy().getManagementAgent();
    }
}
