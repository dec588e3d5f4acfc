package org.mailfetch.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.icegreen.greenmail.user.GreenMailUser;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.account.AccountRoutes;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.quartz.Scheduler;

/** JMX on the platform MBeanServer: one MBean per account, and Camel's route MBeans pausing an account. */
class AccountMBeanTest {

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private FetchEngine service;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void accountMBeansShouldComeAndGoWithAccountsAndDownloadNowShouldFetch() throws Exception {
        GreenMailUser kim = pop3.user("kim", "pw");
        String subject = pop3.deliver(kim);
        Account a = fixture.addAccount("kim, \"the\" account", pop3.port(), "kim", "pw", DeleteMode.IMMEDIATELY);
        fixture.services().accounts().setEnabled(a.id(), false);
        service.start();
        ObjectName name = AccountMBeans.objectName(a.id(), a.name());
        assertEquals("mailfetch:type=ExternalAccount,id=" + a.id() + ",name=\"kim, \\\"the\\\" account\"", name.toString());
        Eventually.await("MBean registered", Duration.ofSeconds(5), () -> JMX.isRegistered(name));
        assertEquals(false, JMX.getAttribute(name, "Enabled"));
        assertEquals(null, JMX.getAttribute(name, "LastResult"));

        JMX.invoke(name, "downloadNow", new Object[0], new String[0]);

        Eventually.await("fetched by the MBean's downloadNow", Duration.ofSeconds(10),
                () -> "ok".equals(JMX.getAttribute(name, "LastResult")) && !(Boolean) JMX.getAttribute(name, "Running"));
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject + "\n")));
        assertEquals(1L, JMX.getAttribute(name, "TotalDownloaded"));
        assertEquals(1, JMX.getAttribute(name, "Downloaded"));
        assertTrue((Long) JMX.getAttribute(name, "TotalBytes") > 0);

        JMX.invoke(name, "enable", new Object[0], new String[0]);
        assertTrue(fixture.services().accounts().get(a.id()).orElseThrow().enabled());
        Eventually.await("route of the enabled account", Duration.ofSeconds(5),
                () -> service.camel().getRoute(AccountRoutes.routeId(a.id())) != null);
        JMX.invoke(name, "disable", new Object[0], new String[0]);
        assertFalse(fixture.services().accounts().get(a.id()).orElseThrow().enabled());

        Account renamed = new Account(a.id(), "kim renamed", false, a.protocol(), a.host(), a.port(), a.security(),
                a.userName(), null, a.intervalMinutes(), false, a.recipientHeaders(), a.envelopeHeaders(), false, false,
                false, false, a.deleteMode(), a.ownerAddress(), a.createdAt());
        fixture.services().accounts().update(renamed, null);
        ObjectName newName = AccountMBeans.objectName(a.id(), "kim renamed");
        Eventually.await("re-registered under the new name", Duration.ofSeconds(5),
                () -> JMX.isRegistered(newName) && !JMX.isRegistered(name));

        fixture.services().accounts().remove(a.id());
        Eventually.await("unregistered with the account", Duration.ofSeconds(5), () -> !JMX.isRegistered(newName));
    }

    @Test
    void pausingTheAccountOverJmxShouldStopItsRouteUntilResumed() throws Exception {
        GreenMailUser lee = pop3.user("lee", "pw");
        String first = pop3.deliver(lee);
        Account a = fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.IMMEDIATELY);
        service.start();
        String routeId = AccountRoutes.routeId(a.id());
        Eventually.await("route of the account", Duration.ofSeconds(5), () -> service.camel().getRoute(routeId) != null);
        fireTimer(routeId); // whether or not its first run came already
        Eventually.await("first scheduled fetch", Duration.ofSeconds(10),
                () -> fixture.delivered().stream().anyMatch(m -> m.contains(first)) && pop3.remaining(lee) == 0);
        ObjectName account = AccountMBeans.objectName(a.id(), a.name());

        JMX.invoke(account, "pause", new Object[0], new String[0]);
        assertEquals("Stopped", JMX.getAttribute(account, "Schedule"));
        assertEquals(ServiceStatus.Stopped, service.camel().getRouteController().getRouteStatus(routeId));
        String second = pop3.deliver(lee);
        // a changed interval rebuilds the route: it must stay stopped
        Account every2 = new Account(a.id(), a.name(), true, a.protocol(), a.host(), a.port(), a.security(), a.userName(),
                null, 2, false, a.recipientHeaders(), a.envelopeHeaders(), false, false, false, false, a.deleteMode(),
                a.ownerAddress(), a.createdAt());
        fixture.services().accounts().update(every2, null);
        Eventually.await("route rebuilt with the new interval", Duration.ofSeconds(5), () -> {
            var r = service.camel().getRoute(routeId);
            return r != null && r.getEndpoint().getEndpointUri().contains("repeatInterval=120000");
        });
        fireTimer(routeId); // what the timer does every interval
        Thread.sleep(1500); // several reconciler passes (200 ms)
        assertEquals(ServiceStatus.Stopped, service.camel().getRouteController().getRouteStatus(routeId),
                "the reconciler must leave an operator-stopped route alone");
        assertEquals(1, pop3.remaining(lee), "no scheduled fetch while the route is stopped");

        JMX.invoke(account, "resume", new Object[0], new String[0]);
        fireTimer(routeId);
        Eventually.await("fetching resumes when the route is started", Duration.ofSeconds(10),
                () -> fixture.delivered().stream().anyMatch(m -> m.contains(second)) && pop3.remaining(lee) == 0);
        Eventually.await("the MBean shows both messages", Duration.ofSeconds(5),
                () -> Long.valueOf(2).equals(JMX.getAttribute(account, "TotalDownloaded")));
    }

    /** Fires the account's Quartz job now, as its trigger does when the interval has passed. */
    private void fireTimer(String routeId) throws Exception {
        QuartzEndpoint timer = (QuartzEndpoint) service.camel().getRoute(routeId).getEndpoint();
        Scheduler scheduler = timer.getComponent().getScheduler();
        scheduler.triggerJob(scheduler.getTrigger(timer.getTriggerKey()).getJobKey());
    }

    @Test
    void camelRegistersNoMBeansOfItsOwnForAccountRoutes() throws Exception {
        Account a = fixture.addAccount("mo", pop3.port(), "mo", "pw", DeleteMode.IMMEDIATELY);
        service.start();
        String routeId = AccountRoutes.routeId(a.id());
        Eventually.await("route of the account", Duration.ofSeconds(5), () -> service.camel().getRoute(routeId) != null);
        assertEquals(Set.of(), JMX.queryNames(new ObjectName("org.apache.camel:type=routes,name=\"" + routeId + "\",*"), null),
                "~100 KB of heap per account at 10,000 accounts");
        assertEquals(Set.of(), JMX.queryNames(new ObjectName("org.apache.camel:type=processors,routeId=\"" + routeId + "\",*"), null));
    }
}
