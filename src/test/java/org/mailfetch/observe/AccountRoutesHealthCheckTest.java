package org.mailfetch.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mailfetch.account.AccountRoutes;
import org.mailfetch.mail.OutOfMemory;

/** Issue 12: running out of memory, or missing account routes, must never leave a half-alive service that reports UP. */
class AccountRoutesHealthCheckTest {

    private final Instant now = Instant.parse("2026-01-01T12:00:00Z");
    private final AtomicReference<AccountRoutes.Progress> progress = new AtomicReference<>();
    private final AccountRoutesHealthCheck check = new AccountRoutesHealthCheck(progress::get, Duration.ofMinutes(1),
            Clock.fixed(now, ZoneOffset.UTC));

    {
        check.setCamelContext(new DefaultCamelContext());
    }

    @AfterEach
    void forget() {
        OutOfMemory.reset();
    }

    @Test
    void upWhenEveryAccountHasItsRoute() {
        progress.set(new AccountRoutes.Progress(10_000, 10_000, null, null));
        assertEquals(HealthCheck.State.UP, check.call(Map.of()).getState());
    }

    @Test
    void missingRoutesAreForgivenForTheGracePeriodOnly() {
        progress.set(new AccountRoutes.Progress(10_000, 4_000, now.minusSeconds(30), null));
        assertEquals(HealthCheck.State.UP, check.call(Map.of()).getState(), "start-up is still adding them");
        progress.set(new AccountRoutes.Progress(10_000, 4_000, now.minusSeconds(90), "account-7: boom"));
        HealthCheck.Result down = check.call(Map.of());
        assertEquals(HealthCheck.State.DOWN, down.getState());
        assertTrue(down.getMessage().orElse("").contains("4000 of 10000 account routes up"), down.getMessage().toString());
        assertTrue(down.getMessage().orElse("").contains("account-7: boom"), down.getMessage().toString());
    }

    @Test
    void downForGoodOnceMemoryRanOut() {
        progress.set(new AccountRoutes.Progress(10_000, 2_000, now, "out of memory adding account routes"));
        assertTrue(OutOfMemory.record("adding account routes", new RuntimeException(new OutOfMemoryError("Java heap space"))));
        HealthCheck.Result down = check.call(Map.of());
        assertEquals(HealthCheck.State.DOWN, down.getState());
        assertTrue(down.getMessage().orElse("").startsWith("out of memory (adding account routes"), down.getMessage().toString());
        assertTrue(down.getMessage().orElse("").contains("larger -Xmx"), down.getMessage().toString());
        progress.set(new AccountRoutes.Progress(10_000, 10_000, null, null));
        assertEquals(HealthCheck.State.DOWN, check.call(Map.of()).getState(), "the JVM is not trusted after an OOM");
    }
}
