package org.mailfetch.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.user.GreenMailUser;
import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.quartz.Trigger;
import org.quartz.TriggerKey;

/**
 * Many accounts added in one reconciler pass (a start with 10,000 accounts) do not all fire their
 * first session at once: as many as sessions may run at once fire at once, the rest are spread over
 * their interval.
 */
class FirstFireSpreadTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private FetchEngine service;

    @AfterEach
    void tearDown() throws Exception {
        if (service != null) {
            service.close();
        }
        if (fixture != null) {
            fixture.close();
        }
        if (pop3 != null) {
            pop3.close();
        }
    }

    @Test
    void accountsBeyondTheSessionCapShouldHaveTheirFirstFireSpreadOverTheInterval() throws Exception {
        pop3 = new Pop3Server();
        Properties two = new Properties();
        two.setProperty("mailfetch.fetch.max-concurrent-sessions", "2");
        fixture = new MailfetchFixture(dataDir, two);
        List<GreenMailUser> users = new ArrayList<>();
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            GreenMailUser user = pop3.user("user" + i, "pw");
            pop3.deliver(user);
            users.add(user);
            accounts.add(fixture.addAccount("user" + i, pop3.port(), "user" + i, "pw", DeleteMode.IMMEDIATELY));
        }
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        long started = System.currentTimeMillis();

        service.start();

        Eventually.await("the first two accounts fetched at once", Duration.ofSeconds(15),
                () -> pop3.remaining(users.get(0)) == 0 && pop3.remaining(users.get(1)) == 0);
        long interval = TimeUnit.MINUTES.toMillis(accounts.get(2).intervalMinutes());
        // five routes in groups of two: the groups' first fires at 0, 1/3 and 2/3 of the interval
        assertFirstFireAtLeast(accounts.get(2), started + interval / 3);
        assertFirstFireAtLeast(accounts.get(3), started + interval / 3);
        assertFirstFireAtLeast(accounts.get(4), started + interval * 2 / 3);
        for (int i = 2; i < 5; i++) {
            assertEquals(1, pop3.remaining(users.get(i)), "user" + i + " not fetched yet");
        }
    }

    @Test
    void aPassAddingNoMoreRoutesThanTheSessionCapShouldFireThemAllAtOnce() {
        AccountRoutes routes = new AccountRoutes(null);
        routes.setFirstFiresAtOnce(3);
        long day = TimeUnit.DAYS.toMillis(1);
        for (int i = 0; i < 3; i++) {
            assertEquals(500, routes.firstFireDelay(i, 3, day));
        }
        // 10 routes, groups of 3: 4 groups at 0, 1/4, 2/4, 3/4 of the interval (plus Camel's half second)
        assertEquals(500, routes.firstFireDelay(2, 10, day));
        assertEquals(500 + day / 4, routes.firstFireDelay(3, 10, day));
        assertEquals(500 + day / 4 * 3, routes.firstFireDelay(9, 10, day));
    }

    private void assertFirstFireAtLeast(Account account, long earliest) throws Exception {
        QuartzComponent quartz = service.camel().getComponent("quartz", QuartzComponent.class);
        Trigger trigger = quartz.getScheduler().getTrigger(
                TriggerKey.triggerKey(AccountRoutes.routeId(account.id()), "mailfetch"));
        assertNotNull(trigger, "trigger of account " + account.id());
        Date next = trigger.getNextFireTime();
        assertTrue(next.getTime() >= earliest, "account " + account.id() + " fires first at " + next
                + ", not before " + new Date(earliest));
    }
}
