package org.mailfetch.cluster;

import java.util.Map;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;

/**
 * The account triggers kept in the cluster's Quartz tables. Camel leaves a clustered trigger in the
 * database when its route is removed (other nodes may still run the route), so the accounts' own
 * reconciler removes the triggers of accounts that are disabled or deleted; otherwise they would go on
 * firing on some node for ever. On a single node (triggers in memory) there is nothing to do.
 */
public final class StoredTriggers {

    /** The group of the account triggers: the first part of {@code quartz:mailfetch/account-<id>}. */
    static final String GROUP = "mailfetch";

    private final CamelContext camel;

    public StoredTriggers(CamelContext camel) {
        this.camel = camel;
    }

    /**
     * Removes the stored triggers whose name is not among {@code wanted} (route ids such as
     * {@code account-7}); returns how many. Nothing on a single node.
     */
    public int keepOnly(Set<String> wanted) throws SchedulerException {
        Scheduler scheduler = clusteredScheduler();
        if (scheduler == null) {
            return 0;
        }
        int removed = 0;
        for (TriggerKey key : scheduler.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP))) {
            if (!wanted.contains(key.getName()) && scheduler.unscheduleJob(key)) {
                removed++;
            }
        }
        return removed;
    }

    private Scheduler clusteredScheduler() throws SchedulerException {
        // only a component the account routes already use: getComponent would add and start the bound one,
        // and with it Quartz's whole thread pool, in a process that has no account routes (yet)
        QuartzComponent quartz = camel.hasComponent("quartz") instanceof QuartzComponent q ? q : null;
        // read from the settings, not the scheduler's metadata, for the same reason
        Map<?, ?> properties = quartz == null ? null : quartz.getProperties();
        if (properties == null || !"true".equals(properties.get(Scheduling.CLUSTERED))) {
            return null;
        }
        return quartz.getScheduler();
    }
}
