package org.mailfetch.testsupport;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.NeedsAuthorization;

/**
 * Credentials as a test scripts them, counting the calls: {@code first} for every login, {@code fresh}
 * after a refusal, or {@link NeedsAuthorization} for every login when the grant is gone.
 */
public final class ScriptedCredentials implements Credentials {

    public final AtomicInteger logins = new AtomicInteger();
    public final AtomicInteger refusals = new AtomicInteger();
    private final Credential first;
    private final Credential fresh;
    private final boolean needsAuthorization;

    private ScriptedCredentials(Credential first, Credential fresh, boolean needsAuthorization) {
        this.first = first;
        this.fresh = fresh;
        this.needsAuthorization = needsAuthorization;
    }

    public static ScriptedCredentials refreshing(Credential first, Credential fresh) {
        return new ScriptedCredentials(first, fresh, false);
    }

    public static ScriptedCredentials needingAuthorization() {
        return new ScriptedCredentials(null, null, true);
    }

    @Override
    public Credential forLogin(Account account) throws IOException {
        logins.incrementAndGet();
        if (needsAuthorization) {
            throw new NeedsAuthorization("the grant was revoked");
        }
        return first;
    }

    @Override
    public Credential afterRefusal(Account account, Credential refused) {
        refusals.incrementAndGet();
        return fresh;
    }
}
