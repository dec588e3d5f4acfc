package org.mailfetch.service;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.mailfetch.oauth2.SignIn;
import org.mailfetch.oauth2.SignInFailed;
import org.mailfetch.oauth2.SignInListener;
import org.mailfetch.store.Conflict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth2 sign-in for the REST API and the web page, over the blocking {@link SignIn}: a flow runs on
 * a background thread of its own and its progress is kept in memory for the page to poll —
 * {@code pending} (with the device code and its URLs, or the authorization URL), then
 * {@code authorized} or {@code failed} with a message. One flow per account at a time: starting
 * another while one is pending is refused (409) — the code already shown stays valid and GET gives
 * it again; a finished flow is replaced by a new start. Finished progress is forgotten after
 * {@link #KEEP}; nothing here is stored, and no token or secret ever passes through it.
 */
public final class SignInService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SignInService.class);

    /** How long a finished sign-in's outcome stays to be read. */
    public static final Duration KEEP = Duration.ofMinutes(15);
    /** How long a start waits for the flow to have something to show (the code, the URL) before answering. */
    static final Duration FIRST_SHOWN = Duration.ofSeconds(15);

    /** The two flows. */
    public enum Flow {
        DEVICE, BROWSER;

        /** device (also when not given) or browser; anything else is bad input naming the field. */
        public static Flow parse(String field, String text) {
            if (text == null || text.isBlank()) {
                return DEVICE;
            }
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "device" -> DEVICE;
                case "browser" -> BROWSER;
                default -> throw new org.mailfetch.store.InvalidValue(field, field + " must be device or browser, got '"
                        + org.mailfetch.mail.Printable.of(text) + "'");
            };
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final SignIn signIn;
    private final Duration browserTimeout;
    private final Clock clock;
    private final Map<Long, Attempt> attempts = new ConcurrentHashMap<>();

    public SignInService(SignIn signIn, Duration browserTimeout, Clock clock) {
        this.signIn = signIn;
        this.browserTimeout = browserTimeout;
        this.clock = clock;
    }

    /**
     * Starts a sign-in of the account on a thread of its own and answers its progress once it has
     * something to show (or after a few seconds). The caller checked that the account exists.
     */
    public Map<String, Object> start(long accountId, Flow flow) throws InterruptedException {
        Attempt attempt = new Attempt(accountId, flow, clock.instant());
        Attempt before = attempts.compute(accountId, (id, current) ->
                current != null && current.pending() ? current : attempt);
        if (before != attempt) {
            throw new Conflict("a sign-in of account " + accountId + " is already waiting for the user;"
                    + " GET /api/accounts/" + accountId + "/authorize shows it");
        }
        Thread thread = new Thread(() -> run(attempt), "oauth2-sign-in-" + accountId);
        thread.setDaemon(true);
        attempt.thread = thread;
        thread.start();
        attempt.shown.await(FIRST_SHOWN.toMillis(), TimeUnit.MILLISECONDS);
        return attempt.view();
    }

    /** The account's sign-in as the page polls it: state none when there is none (or it was forgotten). */
    public Map<String, Object> progress(long accountId) {
        forgetOld();
        Attempt a = attempts.get(accountId);
        if (a == null) {
            Map<String, Object> none = new LinkedHashMap<>();
            none.put("accountId", accountId);
            none.put("state", "none");
            return none;
        }
        return a.view();
    }

    private void run(Attempt a) {
        try {
            if (a.flow == Flow.BROWSER) {
                signIn.browser(a.accountId, a, browserTimeout);
            } else {
                signIn.device(a.accountId, a);
            }
            a.end("authorized", null, null);
        } catch (SignInFailed e) {
            a.end("failed", e.reason().name().toLowerCase(Locale.ROOT).replace('_', '-'), e.getMessage());
        } catch (InterruptedException e) {
            a.end("failed", "stopped", "the service stopped before the sign-in ended");
        } catch (RuntimeException e) {
            LOG.error("OAuth2 sign-in of account {} failed", a.accountId, e);
            a.end("failed", "error", "internal error; see the service log");
        }
    }

    private void forgetOld() {
        Instant before = clock.instant().minus(KEEP);
        attempts.values().removeIf(a -> a.endedAt != null && a.endedAt.isBefore(before));
    }

    /** Stops the flows still waiting (the service is stopping). */
    @Override
    public void close() {
        attempts.values().forEach(a -> {
            Thread t = a.thread;
            if (t != null && a.pending()) {
                t.interrupt();
            }
        });
    }

    /** One sign-in: what its flow showed, then how it ended. Written by its thread, read by requests. */
    private final class Attempt implements SignInListener {
        final long accountId;
        final Flow flow;
        final Instant startedAt;
        final CountDownLatch shown = new CountDownLatch(1);
        volatile Thread thread;
        private volatile Map<String, Object> shownFields = Map.of();
        private volatile String state = "pending";
        private volatile String reason;
        private volatile String error;
        private volatile Instant endedAt;

        Attempt(long accountId, Flow flow, Instant startedAt) {
            this.accountId = accountId;
            this.flow = flow;
            this.startedAt = startedAt;
        }

        boolean pending() {
            return endedAt == null;
        }

        @Override
        public void deviceCode(URI verificationUri, String userCode, URI verificationUriComplete, Duration expiresIn) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("verificationUri", verificationUri.toString());
            f.put("userCode", userCode);
            f.put("verificationUriComplete", verificationUriComplete == null ? null : verificationUriComplete.toString());
            f.put("expiresAt", expiresIn == null ? null : clock.instant().plus(expiresIn).toString());
            shownFields = f;
            shown.countDown();
        }

        @Override
        public void authorizationUrl(URI url) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("authorizationUrl", url.toString());
            f.put("expiresAt", clock.instant().plus(browserTimeout).toString());
            shownFields = f;
            shown.countDown();
        }

        void end(String state, String reason, String error) {
            this.reason = reason;
            this.error = error;
            this.state = state;
            this.endedAt = clock.instant();
            shown.countDown();
        }

        Map<String, Object> view() {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("accountId", accountId);
            v.put("flow", flow.word());
            v.put("state", state);
            if (pending()) {
                v.putAll(shownFields); // what to open and type is of use only while waiting
            }
            v.put("startedAt", startedAt.toString());
            if (endedAt != null) {
                v.put("endedAt", endedAt.toString());
            }
            if (reason != null) {
                v.put("reason", reason);
                v.put("error", error);
            }
            return v;
        }
    }
}
