package org.mailfetch.oauth2;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.mailfetch.account.AccountStore;
import org.mailfetch.account.OAuth2Options;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.CredentialUnavailable;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.MessageLog;
import org.mailfetch.mail.NeedsAuthorization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What sessions log in with: the stored password, or for an OAuth2 account an access token that is
 * refreshed before it expires (a quarter of its life ahead, at most five minutes) and once more when
 * the server refuses it. A refresh token the provider refuses ({@code invalid_grant}) moves the
 * account to needs-authorization — one notice to its owner, then no token request and no login until
 * someone signs in again. Any other trouble with the token endpoint is temporary.
 *
 * <p>Refreshes of one account are serialised in this process, and the result is stored, so that the
 * service, a CLI fetch and the IDLE watcher share one access token instead of each asking for its own.
 */
public final class AccessTokens implements Credentials {

    /** Told once when an account's grant is lost, to notify its owner. */
    @FunctionalInterface
    public interface GrantLost {
        void lost(Account account, String why) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(AccessTokens.class);
    private static final Duration MAX_MARGIN = Duration.ofMinutes(5);

    private final AccountStore accounts;
    private final TokenStore tokens;
    private final Providers providers;
    private final OAuth2Http http;
    private final List<String> mechanisms;
    private final Clock clock;
    private final GrantLost grantLost;
    private final Map<Long, ReentrantLock> locks = new ConcurrentHashMap<>();

    public AccessTokens(AccountStore accounts, TokenStore tokens, Providers providers, OAuth2Http http,
                        List<String> mechanisms, Clock clock, GrantLost grantLost) {
        this.accounts = accounts;
        this.tokens = tokens;
        this.providers = providers;
        this.http = http;
        this.mechanisms = List.copyOf(mechanisms);
        this.clock = clock;
        this.grantLost = grantLost;
    }

    @Override
    public Credential forLogin(Account account) throws IOException {
        Optional<OAuth2Options> options = accounts.oauth2().get(account.id());
        if (options.isEmpty()) {
            return new Credential.Password(accounts.password(account.id()));
        }
        ReentrantLock lock = lock(account.id());
        try {
            TokenStore.Grant g = usable(account);
            if (g.accessToken() != null && fresh(g)) {
                return bearer(g.accessToken());
            }
            return refresh(account, options.get(), g);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Credential afterRefusal(Account account, Credential refused) throws IOException {
        if (!(refused instanceof Credential.Bearer rejected)) {
            return null;
        }
        Optional<OAuth2Options> options = accounts.oauth2().get(account.id());
        if (options.isEmpty()) {
            return null;
        }
        ReentrantLock lock = lock(account.id());
        try {
            TokenStore.Grant g = usable(account);
            if (g.accessToken() != null && !g.accessToken().equals(rejected.accessToken()) && fresh(g)) {
                return bearer(g.accessToken()); // refreshed meanwhile by another session
            }
            LOG.info("{}the server refused the access token; refreshing it once", MessageLog.about(account));
            return refresh(account, options.get(), g);
        } finally {
            lock.unlock();
        }
    }

    /** The account's grant if it may be used; NeedsAuthorization (and the owner's notice, if still owed) if not. */
    private TokenStore.Grant usable(Account account) throws IOException {
        TokenStore.Grant g = tokens.get(account.id())
                .orElseThrow(() -> new NeedsAuthorization(account.label() + " has no OAuth2 sign-in"));
        if (TokenStore.AUTHORIZED.equals(g.state()) && g.refreshToken() != null) {
            return g;
        }
        if (TokenStore.NEEDS_AUTHORIZATION.equals(g.state()) && g.noticeSentAt() == null) {
            notifyOwner(account, g.note()); // a process that lost the grant and died before telling
        }
        throw new NeedsAuthorization(TokenStore.NEEDS_AUTHORIZATION.equals(g.state())
                ? "the provider refused the refresh token (" + g.note() + "); sign in again: mailfetch account authorize "
                        + account.id()
                : "not signed in yet: mailfetch account authorize " + account.id());
    }

    private boolean fresh(TokenStore.Grant g) {
        if (g.expiresAt() == null || g.obtainedAt() == null) {
            return false;
        }
        Duration life = Duration.between(g.obtainedAt(), g.expiresAt());
        Duration margin = life.dividedBy(4).compareTo(MAX_MARGIN) > 0 ? MAX_MARGIN : life.dividedBy(4);
        return clock.instant().isBefore(g.expiresAt().minus(margin));
    }

    private Credential refresh(Account account, OAuth2Options options, TokenStore.Grant g) throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        try {
            Endpoints endpoints = providers.endpoints(options, account.protocol());
            Providers.Client client = providers.client(account.id(), options);
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", g.refreshToken());
            form.put("client_id", client.id());
            form.put("client_secret", client.secret());
            if (OAuth2Options.MICROSOFT.equals(options.provider())) {
                form.put("scope", endpoints.scope()); // Microsoft's v2 endpoint wants the scopes on every refresh
            }
            Tokens t = Tokens.from(http.post(endpoints.token(), form));
            Instant now = clock.instant();
            if (!tokens.refreshed(g, t, now)) {
                // another process refreshed or someone signed in meanwhile: theirs is the grant to keep
                LOG.info("{}the grant changed while refreshing; using the access token just got, keeping the stored grant",
                        MessageLog.about(account));
            } else {
                LOG.info("{}access token refreshed, valid for {} s", MessageLog.about(account), t.lifetime().toSeconds());
            }
            return bearer(t.accessToken());
        } catch (OAuth2Http.TokenError e) {
            if ("invalid_grant".equals(e.error())) {
                String why = "invalid_grant from the token endpoint at " + clock.instant();
                if (tokens.lost(g, why)) {
                    LOG.warn("{}the provider refused the refresh token ({}); the account needs its owner to sign in"
                            + " again (mailfetch account authorize {})", MessageLog.about(account), e.getMessage(), account.id());
                    notifyOwner(account, why);
                } else if (tokens.get(account.id()).map(now -> TokenStore.AUTHORIZED.equals(now.state())).orElse(false)) {
                    // the refused token was an old one: a new sign-in or refresh happened meanwhile
                    throw new CredentialUnavailable("the grant changed while refreshing; trying again later", e);
                }
                throw new NeedsAuthorization("the provider refused the refresh token (" + e.getMessage()
                        + "); sign in again: mailfetch account authorize " + account.id());
            }
            throw new CredentialUnavailable("the token endpoint refused to refresh the access token: " + e.getMessage(), e);
        } catch (SignInFailed e) {
            throw new CredentialUnavailable(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while refreshing the access token");
        } catch (NeedsAuthorization e) {
            throw e;
        } catch (IOException e) {
            throw new CredentialUnavailable("cannot refresh the access token now (" + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()) + "); trying again later", e);
        }
    }

    private void notifyOwner(Account account, String why) {
        try {
            grantLost.lost(account, why);
            tokens.noticeSent(account.id(), clock.instant());
        } catch (IOException | RuntimeException e) {
            LOG.error("{}cannot tell the owner that the account needs a new sign-in: {}", MessageLog.about(account), e.toString());
        }
    }

    private Credential.Bearer bearer(String accessToken) {
        return new Credential.Bearer(accessToken, mechanisms);
    }

    private ReentrantLock lock(long accountId) {
        ReentrantLock lock = locks.computeIfAbsent(accountId, id -> new ReentrantLock());
        lock.lock();
        return lock;
    }
}
