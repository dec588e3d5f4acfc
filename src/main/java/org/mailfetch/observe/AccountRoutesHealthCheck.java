package org.mailfetch.observe;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.mailfetch.account.AccountRoutes;
import org.mailfetch.mail.OutOfMemory;

/**
 * /observe/health is DOWN, saying why, once the service has run out of memory (it no longer trusts
 * itself to schedule every account: restart it, with a larger -Xmx), and while fewer account routes
 * are up than there are enabled accounts for longer than a grace period (the reconciler adding them at
 * start-up, or after a change, gets that long).
 */
public final class AccountRoutesHealthCheck extends AbstractHealthCheck {

    private final Supplier<AccountRoutes.Progress> routes;
    private final Duration grace;
    private final Clock clock;

    public AccountRoutesHealthCheck(Supplier<AccountRoutes.Progress> routes, Duration grace, Clock clock) {
        super("mailfetch", "account-routes");
        this.routes = routes;
        this.grace = grace;
        this.clock = clock;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        AccountRoutes.Progress p = routes.get();
        builder.detail("account.routes.wanted", p.wanted());
        builder.detail("account.routes.up", p.present());
        OutOfMemory.Seen oom = OutOfMemory.seen();
        if (oom != null) {
            builder.message("out of memory (" + oom.where() + ", " + oom.at() + ": " + oom.message() + "); "
                    + p.present() + " of " + p.wanted() + " account routes up; restart the service with a larger -Xmx")
                    .down();
            return;
        }
        if (p.behindSince() != null && p.present() < p.wanted()
                && Duration.between(p.behindSince(), clock.instant()).compareTo(grace) > 0) {
            builder.message(p.present() + " of " + p.wanted() + " account routes up since " + p.behindSince()
                    + (p.lastFailure() == null ? "" : "; last failure: " + p.lastFailure())).down();
            return;
        }
        builder.up();
    }
}
