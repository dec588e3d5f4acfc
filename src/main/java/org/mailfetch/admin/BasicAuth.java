package org.mailfetch.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP Basic authentication in front of everything the embedded server serves (REST API, OpenAPI
 * document, web page, /observe): user {@code admin} with the password {@code admin set-password}
 * stored hashed. Until one is set every request gets 401. PBKDF2 is slow on purpose, so a verified
 * Authorization header is remembered (as a SHA-256 digest, together with the stored hash it matched)
 * until the password changes.
 */
final class BasicAuth implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(BasicAuth.class);
    private static final String REALM = "Basic realm=\"mailfetch\", charset=\"UTF-8\"";

    private final AdminPassword password;
    private volatile Verified verified;
    /** The hash last read, used while the database cannot be read (so that /observe/health can say DOWN). */
    private volatile String lastKnownHash;

    private record Verified(String storedHash, byte[] headerDigest) {}

    BasicAuth(AdminPassword password) {
        this.password = password;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        // the check reads the database and may hash: off the event loop, with the body held back meanwhile
        ctx.request().pause();
        ctx.vertx().executeBlocking(() -> check(header), false).onComplete(result -> {
            String refusal = result.succeeded() ? result.result() : "cannot check the credentials: "
                    + result.cause().getMessage();
            if (refusal == null) {
                ctx.next(); // Camel's body handler resumes the request
                return;
            }
            if (header != null) {
                LOG.warn("admin login refused for {} {} from {}: {}", ctx.request().method(), ctx.request().path(),
                        ctx.request().remoteAddress(), refusal);
            }
            ctx.request().resume();
            deny(ctx, refusal);
        });
    }

    /** Null if the Authorization header is admin's, else why not. */
    private String check(String header) {
        Optional<String> stored;
        try {
            stored = password.storedHash();
            lastKnownHash = stored.orElse(null);
        } catch (RuntimeException e) {
            stored = Optional.ofNullable(lastKnownHash);
            if (stored.isEmpty()) {
                return "cannot read the admin password: " + e.getMessage();
            }
        }
        if (stored.isEmpty()) {
            return "no admin password is set: run `mailfetch admin set-password --password-stdin`";
        }
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return "authentication required";
        }
        return accepts(header.substring(6).trim(), stored.get()) ? null : "wrong user name or password";
    }

    private boolean accepts(String credentials, String storedHash) {
        byte[] digest = AdminPassword.digest(credentials);
        Verified known = verified;
        if (known != null && known.storedHash().equals(storedHash) && MessageDigest.isEqual(known.headerDigest(), digest)) {
            return true;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0 || !decoded.substring(0, colon).equals(AdminPassword.USER)
                || !AdminPassword.matches(decoded.substring(colon + 1), storedHash)) {
            return false;
        }
        verified = new Verified(storedHash, digest);
        return true;
    }

    private static void deny(RoutingContext ctx, String reason) {
        ctx.response().setStatusCode(401)
                .putHeader("WWW-Authenticate", REALM)
                .putHeader("Content-Type", "application/json")
                .end(ApiJson.error(null, reason));
    }
}
