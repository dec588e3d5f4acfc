package org.mailfetch.cluster;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Date;

import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.simpl.SimpleJobFactory;
import org.quartz.spi.TriggerFiredBundle;

/**
 * Quartz's job factory for the account timers. Quartz fires a due trigger when at most 2 ms are left,
 * so a trigger's first fire can be a millisecond or two before its start time, and Camel's Quartz job
 * skips any fire before the trigger's start time ("Trigger exists outside StartTime …. Skipping
 * CamelJob"): a new account's first session then waited a whole interval (30 minutes by default). The
 * job made here sees such a fire as happening at the start time; every other fire is passed on as is.
 */
public final class OnTimeJobFactory extends SimpleJobFactory {

    @Override
    public Job newJob(TriggerFiredBundle bundle, Scheduler scheduler) throws SchedulerException {
        Job job = super.newJob(bundle, scheduler);
        return context -> job.execute(onTime(context));
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
