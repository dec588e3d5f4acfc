package org.mailfetch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.JobExecutionContextImpl;
import org.quartz.spi.OperableTrigger;
import org.quartz.spi.TriggerFiredBundle;

/** A fire a millisecond before the trigger's start time reaches the job as a fire at the start time. */
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
}
