package org.mailfetch.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;

import com.icegreen.greenmail.user.GreenMailUser;
import org.apache.camel.Route;
import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.fetch.AccountStatus;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.quartz.Trigger;
import org.quartz.TriggerKey;

/** The running service: one route per enabled account, kept in step with the database without a restart. */
class AccountRoutesTest {

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
    void disabledAccountShouldNotBeFetchedWhileEnabledOnesAre() throws Exception {
        GreenMailUser carol = pop3.user("carol", "pw");
        GreenMailUser dave = pop3.user("dave", "pw");
        pop3.deliver(carol);
        pop3.deliver(dave);
        Account enabled = fixture.addAccount("carol", pop3.port(), "carol", "pw", DeleteMode.IMMEDIATELY);
        Account disabled = fixture.addAccount("dave", pop3.port(), "dave", "pw", DeleteMode.IMMEDIATELY);
        fixture.services().accounts().setEnabled(disabled.id(), false);

        service.start();

        Eventually.await("carol's mail fetched", Duration.ofSeconds(10), () -> pop3.remaining(carol) == 0);
        Thread.sleep(500);
        assertEquals(1, pop3.remaining(dave));
        assertNull(service.camel().getRoute(AccountRoutes.routeId(disabled.id())));
        assertEquals(0, fixture.ledgerSize(disabled.id()));
        assertEquals(1, fixture.ledgerSize(enabled.id()) + pop3.remaining(carol));
    }

    @Test
    void addingChangingDisablingAndRemovingAccountsShouldChangeTheRunningRoutes() throws Exception {
        service.start();
        GreenMailUser erin = pop3.user("erin", "pw");
        String subject = pop3.deliver(erin);

        Account a = fixture.addAccount("erin", pop3.port(), "erin", "pw", DeleteMode.NEVER);
        String routeId = AccountRoutes.routeId(a.id());
        Eventually.await("route for the new account", Duration.ofSeconds(5), () -> service.camel().getRoute(routeId) != null);
        Eventually.await("first scheduled fetch", Duration.ofSeconds(10),
                () -> fixture.delivered().stream().anyMatch(f -> f.contains(subject)));
        assertTrue(endpointOf(routeId).contains("repeatInterval=1800000"), endpointOf(routeId));

        Account every5 = new Account(a.id(), a.name(), true, a.protocol(), a.host(), a.port(), a.security(), a.userName(),
                null, 5, false, a.recipientHeaders(), a.envelopeHeaders(), false, false, false, false, a.deleteMode(),
                a.ownerAddress(), a.createdAt());
        fixture.services().accounts().update(every5, null);
        Eventually.await("route rebuilt with the new interval", Duration.ofSeconds(5),
                () -> service.camel().getRoute(routeId) != null && endpointOf(routeId).contains("repeatInterval=300000"));

        fixture.services().accounts().setEnabled(a.id(), false);
        Eventually.await("route of the disabled account removed", Duration.ofSeconds(5),
                () -> service.camel().getRoute(routeId) == null);

        fixture.services().accounts().setEnabled(a.id(), true);
        Eventually.await("route back after enable", Duration.ofSeconds(5), () -> service.camel().getRoute(routeId) != null);
        fixture.services().accounts().remove(a.id());
        Eventually.await("route of the removed account gone", Duration.ofSeconds(5),
                () -> service.camel().getRoute(routeId) == null);
        assertEquals(1, fixture.delivered().size(), "the message stayed delivered once");
    }

    @Test
    void twoAccountsShouldBeFetchedAtTheSameTime() throws Exception {
        GreenMailUser frank = pop3.user("frank", "pw");
        GreenMailUser grace = pop3.user("grace", "pw");
        for (int i = 0; i < 150; i++) {
            pop3.deliver(frank);
            pop3.deliver(grace);
        }
        Account f = fixture.addAccount("frank", pop3.port(), "frank", "pw", DeleteMode.IMMEDIATELY);
        Account g = fixture.addAccount("grace", pop3.port(), "grace", "pw", DeleteMode.IMMEDIATELY);

        service.start();

        Eventually.await("both mailboxes emptied", Duration.ofSeconds(30),
                () -> pop3.remaining(frank) == 0 && pop3.remaining(grace) == 0
                        && !fixture.services().status().get(f.id()).running()
                        && !fixture.services().status().get(g.id()).running());
        AccountStatus sf = fixture.services().status().get(f.id());
        AccountStatus sg = fixture.services().status().get(g.id());
        assertEquals("ok", sf.lastResult());
        assertEquals("ok", sg.lastResult());
        assertTrue(sf.lastStart().isBefore(sg.lastEnd()) && sg.lastStart().isBefore(sf.lastEnd()),
                "sessions overlapped: " + sf + " / " + sg);
        assertEquals(300, fixture.delivered().size());
    }

    @Test
    void downloadNowOverJmxShouldFetchAnAccountThatIsNotScheduled() throws Exception {
        GreenMailUser judy = pop3.user("judy", "pw");
        String subject = pop3.deliver(judy);
        Account a = fixture.addAccount("judy", pop3.port(), "judy", "pw", DeleteMode.IMMEDIATELY);
        fixture.services().accounts().setEnabled(a.id(), false);
        service.start();

        ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("mailfetch:type=Fetcher"), "downloadNow",
                new Object[] {a.id()}, new String[] {"long"});

        Eventually.await("fetched by download now", Duration.ofSeconds(10),
                () -> fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject + "\n")));
        Eventually.await("deleted at QUIT", Duration.ofSeconds(5), () -> pop3.remaining(judy) == 0);
    }

    /**
     * Camel calls every start-up listener again for each route added after start; the platform-http
     * summary's listener added an event notifier each time (10,000 accounts, 10,000 notifiers, each asked
     * on every event). The service's context (ManyRoutesCamelContext) runs that listener once.
     */
    @Test
    void accountRoutesAddedAfterStartShouldNotAddEventNotifiers() throws Exception {
        service.start();
        int before = service.camel().getManagementStrategy().getEventNotifiers().size();

        for (int i = 0; i < 3; i++) {
            // port 9: nothing listens; the sessions fail, the routes stay
            Account a = fixture.addAccount("n" + i, 9, "n" + i, "pw", DeleteMode.IMMEDIATELY);
            Eventually.await("route of account " + a.id(), Duration.ofSeconds(10),
                    () -> service.camel().getRoute(AccountRoutes.routeId(a.id())) != null);
        }

        assertEquals(before, service.camel().getManagementStrategy().getEventNotifiers().size(),
                "event notifiers after adding 3 account routes");
    }

    /**
     * A pass adding more routes than sessions may run at once (a start with many accounts) fires that
     * many at once and spreads the rest over their interval, instead of all at once.
     */
    @Test
    void accountsBeyondTheSessionCapShouldHaveTheirFirstFireSpreadOverTheInterval() throws Exception {
        GreenMailUser kim = pop3.user("kim", "pw");
        pop3.deliver(kim);
        Account first = fixture.addAccount("kim", pop3.port(), "kim", "pw", DeleteMode.IMMEDIATELY);
        List<Account> others = new ArrayList<>();
        for (int i = 0; i < 15; i++) { // the session cap is 15: 16 routes make two groups
            others.add(fixture.addAccount("o" + i, 9, "o" + i, "pw", DeleteMode.IMMEDIATELY));
        }
        long started = System.currentTimeMillis();

        service.start();

        Eventually.await("the first account fetched at once", Duration.ofSeconds(15), () -> pop3.remaining(kim) == 0);
        Account last = others.get(others.size() - 1);
        long interval = TimeUnit.MINUTES.toMillis(last.intervalMinutes());
        Trigger trigger = service.camel().getComponent("quartz", QuartzComponent.class).getScheduler()
                .getTrigger(TriggerKey.triggerKey(AccountRoutes.routeId(last.id()), "mailfetch"));
        assertTrue(trigger.getNextFireTime().getTime() >= started + interval / 2,
                "the 16th account's first fire " + trigger.getNextFireTime() + " is half an interval away");
        assertNull(fixture.services().status().get(last.id()).lastStart(), "no session of the 16th account yet");
    }

    @Test
    void firstFireDelayShouldSpreadGroupsOfTheSessionCapOverTheInterval() {
        AccountRoutes routes = new AccountRoutes(null);
        routes.setFirstFiresAtOnce(3);
        long day = TimeUnit.DAYS.toMillis(1);
        for (int i = 0; i < 3; i++) {
            assertEquals(500, routes.firstFireDelay(i, 3, day), "no more routes than the cap: all at once");
        }
        // 10 routes, groups of 3: 4 groups at 0, 1/4, 2/4, 3/4 of the interval (plus Camel's half second)
        assertEquals(500, routes.firstFireDelay(2, 10, day));
        assertEquals(500 + day / 4, routes.firstFireDelay(3, 10, day));
        assertEquals(500 + day / 4 * 3, routes.firstFireDelay(9, 10, day));
    }

    private String endpointOf(String routeId) {
        Route r = service.camel().getRoute(routeId);
        return r == null ? "" : r.getEndpoint().getEndpointUri();
    }
}
