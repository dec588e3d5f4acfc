package org.mailfetch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Properties;

import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.quartz.QuartzConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.JobExecutionContextImpl;
import org.quartz.spi.OperableTrigger;
import org.quartz.spi.TriggerFiredBundle;

/**
 * A fire a millisecond before the trigger's start time reaches the job as a fire at the start time;
 * a fire on a node that has not built the account's route yet waits for it.
 */
class OnTimeJobFactoryTest {

    /** What the job saw (Camel's job compares exactly this with the trigger's start time). */
    static final AtomicReference<Date> SEEN = new AtomicReference<>();

    public static final class Recorder implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            SEEN.set(context.getFireTime());
        }
    }

    private static Date fire(Date start, Date firedAt) throws Exception {
        JobDetail detail = JobBuilder.newJob(Recorder.class).withIdentity("account-1", "mailfetch").build();
        OperableTrigger trigger = (OperableTrigger) TriggerBuilder.newTrigger().withIdentity("account-1", "mailfetch")
                .startAt(start).withSchedule(SimpleScheduleBuilder.repeatMinutelyForever(30)).build();
        TriggerFiredBundle bundle = new TriggerFiredBundle(detail, trigger, null, false, firedAt, start, null, null);
        Job job = new OnTimeJobFactory().newJob(bundle, null);
        job.execute(new JobExecutionContextImpl(null, bundle, job));
        return SEEN.get();
    }

    @Test
    void aFirstFireTwoMillisecondsEarlyShouldBeSeenAtTheStartTime() throws Exception {
        Date start = new Date(1_800_000_000_000L);
        assertEquals(start, fire(start, new Date(start.getTime() - 2)));
    }

    @Test
    void aFireAtOrAfterTheStartTimeShouldBePassedOnAsItIs() throws Exception {
        Date start = new Date(1_800_000_000_000L);
        Date later = new Date(start.getTime() + 60_000);
        assertEquals(later, fire(start, later));
        assertEquals(start, fire(start, start));
    }

    @Test
    void aFireBeforeThisNodeBuiltTheAccountsRouteShouldWaitForTheRoute() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            JobExecutionContext fired = firedIn(camel);
            Thread adder = new Thread(() -> {
                try {
                    Thread.sleep(500); // the reconciler, a moment later
                    camel.addRoutes(new RouteBuilder() {
                        @Override
                        public void configure() {
                            from("direct:account-1").routeId("account-1").to("log:x");
                        }
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            adder.start();
            OnTimeJobFactory.awaitRoute(fired, Duration.ofSeconds(20));
            assertNotNull(camel.getRoute("account-1"), "returned only once the route was there");
            assertTrue(camel.getRouteController().getRouteStatus("account-1").isStarted());
            adder.join();
        }
    }

    @Test
    void aFireWhoseRouteNeverComesShouldGiveUpAfterTheWait() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            long start = System.nanoTime();
            OnTimeJobFactory.awaitRoute(firedIn(camel), Duration.ofMillis(300));
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos(), "waited the whole time");
            assertNull(camel.getRoute("account-1"));
        }
    }

    /** A fire of account 1's trigger in a scheduler whose context holds {@code camel}, as Camel's component stores it. */
    private static JobExecutionContext firedIn(DefaultCamelContext camel) throws Exception {
        StdSchedulerFactory factory = new StdSchedulerFactory();
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "await-" + System.nanoTime());
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        factory.initialize(p);
        Scheduler scheduler = factory.getScheduler();
        scheduler.getContext().put(QuartzConstants.QUARTZ_CAMEL_CONTEXT + "-" + camel.getName(), camel);
        JobDetail detail = JobBuilder.newJob(Recorder.class).withIdentity("account-1", "mailfetch")
                .usingJobData(QuartzConstants.QUARTZ_CAMEL_CONTEXT_NAME, camel.getName()).build();
        OperableTrigger trigger = (OperableTrigger) TriggerBuilder.newTrigger().withIdentity("account-1", "mailfetch")
                .withSchedule(SimpleScheduleBuilder.repeatMinutelyForever(30)).build();
        Date now = new Date();
        TriggerFiredBundle bundle = new TriggerFiredBundle(detail, trigger, null, false, now, now, null, null);
        return new JobExecutionContextImpl(scheduler, bundle, new Recorder());
    }
}
