package org.mailfetch.cluster;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Date;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.quartz.QuartzConstants;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.JobKey;
import org.quartz.simpl.SimpleJobFactory;
import org.quartz.spi.TriggerFiredBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quartz's job factory for the account timers. Quartz fires a due trigger when at most 2 ms are left,
 * so a trigger's first fire can be a millisecond or two before its start time, and Camel's Quartz job
 * skips any fire before the trigger's start time ("Trigger exists outside StartTime …. Skipping
 * CamelJob"): a new account's first session then waited a whole interval (30 minutes by default). The
 * job made here sees such a fire as happening at the start time; every other fire is passed on as is.
 *
 * <p>On a cluster the triggers are shared, so one can fire on a node that has not built the account's
 * route yet (the account was added on another node a moment ago: each node's reconciler builds it
 * within its interval). Camel's job would find no route and drop the fire, and the account would wait
 * a whole interval; the job made here waits for the route first, up to {@link #ROUTE_WAIT}.
 */
public final class OnTimeJobFactory extends SimpleJobFactory {

    private static final Logger LOG = LoggerFactory.getLogger(OnTimeJobFactory.class);

    /** How long a fire waits for its account's route on this node: several reconcile passes. */
    static final Duration ROUTE_WAIT = Duration.ofSeconds(30);

    @Override
    public Job newJob(TriggerFiredBundle bundle, Scheduler scheduler) throws SchedulerException {
        Job job = super.newJob(bundle, scheduler);
        return context -> {
            awaitRoute(context, ROUTE_WAIT);
            job.execute(onTime(context));
        };
    }

    /**
     * Returns once this node has the started route of the account whose timer fired, or after
     * {@code wait}; at once for a trigger that is not an account's, and for a route that exists but
     * does not run (an operator stopped it: Camel skips that fire, as it should).
     */
    static void awaitRoute(JobExecutionContext context, Duration wait) {
        // the job's key, not the trigger's: a recovered fire (a dead node's session) has a trigger of its own
        JobKey key = context.getJobDetail().getKey();
        CamelContext camel = camelOf(context);
        if (camel == null || !StoredTriggers.GROUP.equals(key.getGroup())) {
            return;
        }
        long giveUp = System.nanoTime() + wait.toNanos();
        boolean waited = false;
        while (!ready(camel, key.getName())) {
            if (System.nanoTime() - giveUp > 0 || camel.isStopping() || camel.isStopped()) {
                LOG.warn("{}: its timer fired on this node, which has not built the account's route within {} s;"
                        + " the account is fetched at its next fire", key.getName(), wait.toSeconds());
                return;
            }
            waited = true;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the scheduler is shutting down
                return;
            }
        }
        if (waited) {
            LOG.info("{}: its timer fired before this node had built the account's route; run now that it has",
                    key.getName());
        }
    }

    /** The route is there and past starting: started, or left stopped (an operator stopped it). */
    private static boolean ready(CamelContext camel, String routeId) {
        org.apache.camel.Route route = camel.getRoute(routeId);
        if (route == null) {
            return false;
        }
        ServiceStatus status = camel.getRouteController().getRouteStatus(routeId);
        if (status == null || status.isStarted() || status.isStopped() || status.isSuspended()) {
            return true;
        }
        // being added: initialised, then started by the reconciler at once unless it is to stay stopped
        return status == ServiceStatus.Initialized && Boolean.FALSE.equals(route.isAutoStartup());
    }

    /** The CamelContext Camel's Quartz component stored in the scheduler's context, as its own job finds it. */
    private static CamelContext camelOf(JobExecutionContext context) {
        Scheduler scheduler = context.getScheduler();
        String name = context.getMergedJobDataMap().getString(QuartzConstants.QUARTZ_CAMEL_CONTEXT_NAME);
        if (scheduler == null || name == null) {
            return null;
        }
        try {
            return scheduler.getContext().get(QuartzConstants.QUARTZ_CAMEL_CONTEXT + "-" + name) instanceof CamelContext c
                    ? c : null;
        } catch (SchedulerException e) {
            return null; // Camel's job reports it
        }
    }

    static JobExecutionContext onTime(JobExecutionContext context) {
        Date start = context.getTrigger().getStartTime();
        Date fired = context.getFireTime();
        if (start == null || fired == null || !fired.before(start)) {
            return context;
        }
        return (JobExecutionContext) Proxy.newProxyInstance(OnTimeJobFactory.class.getClassLoader(),
                new Class<?>[] {JobExecutionContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getFireTime") && method.getParameterCount() == 0) {
                        return start;
                    }
                    try {
                        return method.invoke(context, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
