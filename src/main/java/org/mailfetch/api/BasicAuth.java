package org.mailfetch.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import org.mailfetch.service.AdminPassword;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP Basic authentication in front of everything the embedded server serves (REST API, OpenAPI
 * document, web page, /observe): user {@code admin} with the password {@code admin set-password}
 * stored hashed. Until one is set every request gets 401.
 * <p>
 * PBKDF2 is slow on purpose, which makes password guessing a way to burn the service's CPU and
 * queue the real admin behind the guesser. So: the credentials last verified are remembered (as an
 * HMAC under a key that lives only in this process, compared in constant time, valid while the
 * stored hash is unchanged, which is re-read when a second old: a new password counts within a
 * second) and accepted on the event loop without database or hashing; other credentials are hashed on a
 * small pool of its own (one thread per core, a short queue, 429 when full), never on Vert.x's
 * worker threads that every request needs; and each client address is held back by
 * {@link LoginThrottle} (429 with Retry-After, without hashing) after repeated failures.
 */
final class BasicAuth implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(BasicAuth.class);
    private static final String REALM = "Basic realm=\"mailfetch\", charset=\"UTF-8\"";
    private static final int HASHING_THREADS = Runtime.getRuntime().availableProcessors();
    private static final int HASHING_QUEUE = 4 * HASHING_THREADS;
    /** How long a stored hash read from the database is trusted without reading it again. */
    private static final long FRESH_NANOS = Duration.ofSeconds(1).toNanos();

    private final AdminPassword password;
    private final LoginThrottle throttle;
    private final ThreadPoolExecutor hashing;
    private final byte[] cacheKey = new byte[32];
    private volatile Verified verified;
    /**
     * The hash last read: decides remembered credentials for a second without the database, and is
     * used while the database cannot be read (so that /observe/health can say DOWN).
     */
    private volatile StoredHash lastKnown;

    private record Verified(String storedHash, byte[] credentialsMac) {}

    private record StoredHash(String hash, long readAtNanos) {
        boolean isFresh() {
            return System.nanoTime() - readAtNanos < FRESH_NANOS;
        }
    }

    /** Credentials that need a PBKDF2 check against the stored hash. */
    private record Candidate(String password, String storedHash, byte[] credentialsMac) {}

    /** What a check found: accepted (status 0), refused (status, reason, wait) or a password to hash. */
    private record Outcome(int status, String reason, Duration retryAfter, Candidate candidate) {
        static final Outcome ACCEPTED = new Outcome(0, null, Duration.ZERO, null);

        static Outcome refused(String reason) {
            return new Outcome(401, reason, Duration.ZERO, null);
        }

        static Outcome tooMany(String reason, Duration retryAfter) {
            return new Outcome(429, reason, retryAfter, null);
        }

        static Outcome hash(Candidate candidate) {
            return new Outcome(0, null, Duration.ZERO, candidate);
        }
    }

    BasicAuth(AdminPassword password) {
        this(password, new LoginThrottle(Clock.systemUTC()));
    }

    BasicAuth(AdminPassword password, LoginThrottle throttle) {
        this.password = password;
        this.throttle = throttle;
        new SecureRandom().nextBytes(cacheKey);
        AtomicInteger n = new AtomicInteger();
        this.hashing = new ThreadPoolExecutor(HASHING_THREADS, HASHING_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HASHING_QUEUE), r -> {
                    Thread t = new Thread(r, "mailfetch-admin-login-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        hashing.allowCoreThreadTimeOut(true); // no idle threads left behind when the service stops
    }

    @Override
    public void handle(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        String client = LoginThrottle.clientKey(
                ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().host());
        Context context = ctx.vertx().getOrCreateContext();
        // on the event loop, without the database or any hashing: the admin's remembered credentials
        // pass, and a client that is held back is told so, however many requests are queued elsewhere
        StoredHash known = lastKnown;
        if (known != null && known.isFresh() && isBasic(header) && isVerified(known.hash(), mac(credentials(header)))) {
            ctx.next();
            return;
        }
        Optional<Duration> blocked = isBasic(header) ? throttle.blocked(client) : Optional.empty();
        if (blocked.isPresent()) {
            deny(ctx, tooManyFailures(client, blocked.get()));
            return;
        }
        // the check reads the database: off the event loop, with the body held back meanwhile
        ctx.request().pause();
        ctx.vertx().executeBlocking(() -> check(header, client), false)
                .compose(outcome -> outcome.candidate() == null ? Future.succeededFuture(outcome)
                        : verify(context, outcome.candidate(), client))
                .onComplete(result -> {
                    Outcome outcome = result.succeeded() ? result.result()
                            : Outcome.refused("cannot check the credentials: " + result.cause().getMessage());
                    if (outcome.status() == 0) {
                        ctx.next(); // Camel's body handler resumes the request
                        return;
                    }
                    if (header != null && outcome.status() == 401) {
                        LOG.warn("admin login refused for {} {} from {}: {}", ctx.request().method(),
                                ctx.request().path(), client, outcome.reason());
                    }
                    ctx.request().resume();
                    deny(ctx, outcome);
                });
    }

    /** Runs on a worker thread: everything but the hashing. */
    private Outcome check(String header, String client) {
        Optional<String> stored;
        try {
            stored = password.storedHash();
            lastKnown = stored.map(h -> new StoredHash(h, System.nanoTime())).orElse(null);
        } catch (RuntimeException e) {
            StoredHash known = lastKnown;
            stored = Optional.ofNullable(known == null ? null : known.hash());
            if (stored.isEmpty()) {
                return Outcome.refused("cannot read the admin password: " + e.getMessage());
            }
        }
        if (stored.isEmpty()) {
            return Outcome.refused("no admin password is set: run `mailfetch admin set-password --password-stdin`");
        }
        if (!isBasic(header)) {
            return Outcome.refused("authentication required");
        }
        String credentials = credentials(header);
        byte[] mac = mac(credentials);
        if (isVerified(stored.get(), mac)) {
            return Outcome.ACCEPTED;
        }
        Optional<Duration> wait = throttle.admit(client);
        if (wait.isPresent()) {
            return tooManyFailures(client, wait.get());
        }
        String pw = adminPassword(credentials);
        if (pw == null) {
            // not admin at all: a failure like a wrong password, but nothing to hash
            Duration block = throttle.done(client, false);
            logBlock(client, block);
            return Outcome.refused("wrong user name or password");
        }
        return Outcome.hash(new Candidate(pw, stored.get(), mac));
    }

    /** The PBKDF2 check on the hashing pool; completes on the request's context. */
    private Future<Outcome> verify(Context context, Candidate candidate, String client) {
        Promise<Outcome> promise = Promise.promise();
        try {
            hashing.execute(() -> {
                Outcome outcome;
                boolean ok = false;
                try {
                    ok = AdminPassword.matches(candidate.password(), candidate.storedHash());
                    if (ok) {
                        verified = new Verified(candidate.storedHash(), candidate.credentialsMac());
                    }
                    outcome = ok ? Outcome.ACCEPTED : Outcome.refused("wrong user name or password");
                } catch (RuntimeException e) {
                    outcome = Outcome.refused("cannot check the credentials: " + e.getMessage());
                } finally {
                    logBlock(client, throttle.done(client, ok));
                }
                Outcome result = outcome;
                context.runOnContext(v -> promise.complete(result));
            });
        } catch (RejectedExecutionException e) {
            throttle.cancel(client);
            promise.complete(Outcome.tooMany("too many logins being checked at once; try again later",
                    LoginThrottle.FIRST_BLOCK));
        }
        return promise.future();
    }

    private static boolean isBasic(String header) {
        return header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
    }

    private static String credentials(String basicHeader) {
        return basicHeader.substring(6).trim();
    }

    /** Whether these are the credentials last verified against this stored hash (constant-time compare). */
    private boolean isVerified(String storedHash, byte[] credentialsMac) {
        Verified known = verified;
        return known != null && known.storedHash().equals(storedHash)
                && MessageDigest.isEqual(known.credentialsMac(), credentialsMac);
    }

    private static Outcome tooManyFailures(String client, Duration wait) {
        return Outcome.tooMany("too many failed logins from " + client + "; try again later", wait);
    }

    /** The password, if the credentials are {@code admin:<password>} in Base64; else null. */
    private static String adminPassword(String credentials) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 || !decoded.substring(0, colon).equals(AdminPassword.USER) ? null : decoded.substring(colon + 1);
    }

    private byte[] mac(String credentials) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(cacheKey, "HmacSHA256"));
            return mac.doFinal(credentials.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available: " + e.getMessage(), e);
        }
    }

    private static void logBlock(String client, Duration block) {
        if (!block.isZero()) {
            LOG.warn("admin logins from {} held back for {} s after repeated failures", client, block.toSeconds());
        }
    }

    private static void deny(RoutingContext ctx, Outcome outcome) {
        ctx.response().setStatusCode(outcome.status()).putHeader("Content-Type", "application/json");
        if (outcome.status() == 401) {
            ctx.response().putHeader("WWW-Authenticate", REALM);
        } else {
            long seconds = Math.max(1, (outcome.retryAfter().toMillis() + 999) / 1000);
            ctx.response().putHeader("Retry-After", String.valueOf(seconds));
        }
        ctx.response().end(ApiJson.error(null, outcome.reason()));
    }
}
