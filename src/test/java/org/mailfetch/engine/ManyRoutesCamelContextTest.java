package org.mailfetch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.AccountRoutes;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;

/** The service's CamelContext keeps its per-route work from growing with the routes it already has. */
class ManyRoutesCamelContextTest {

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    private FetchEngine service;

    @BeforeEach
    void setUp() {
        fixture = new MailfetchFixture(dataDir);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
    }

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
}
