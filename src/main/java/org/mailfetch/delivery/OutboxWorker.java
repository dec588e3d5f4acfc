package org.mailfetch.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

import org.mailfetch.mail.Account;
import org.mailfetch.account.AccountStore;
import org.mailfetch.cluster.RowClaim;
import org.mailfetch.config.Settings;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.MailAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.recipient.SmtpRoutes;

/**
 * Delivers due outbox entries (the route {@code outbox} runs {@link #deliverDue} every
 * mailfetch.outbox.poll-interval). Per recipient: accepted → done; 4xx or no connection → tried
 * again after an exponentially growing wait (mailfetch.outbox.initial-backoff, doubling, at most
 * mailfetch.outbox.max-backoff) up to mailfetch.outbox.max-attempts; 5xx → given up at once. Given
 * up recipients are named in a delivery-failure notice in the owner's mailbox with the original
 * attached. State lives in the outbox rows and files, so a restart loses nothing.
 */
public final class OutboxWorker {

    public static final String POLL_INTERVAL = "mailfetch.outbox.poll-interval";
    public static final String MAX_ATTEMPTS = "mailfetch.outbox.max-attempts";
    public static final String INITIAL_BACKOFF = "mailfetch.outbox.initial-backoff";
    public static final String MAX_BACKOFF = "mailfetch.outbox.max-backoff";
    public static final String SMTP_TIMEOUT = "mailfetch.outbox.smtp-timeout";

    private static final Logger LOG = LoggerFactory.getLogger(OutboxWorker.class);

    private final Outbox outbox;
    private final SmtpRoutes routes;
    private final AccountStore accounts;
    private final OwnerNotice ownerNotice;
    private final ExecutorService fsyncPool;
    private final Clock clock;
    private final SmtpSender sender;
    private final Credentials credentials;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    public OutboxWorker(Outbox outbox, SmtpRoutes routes, AccountStore accounts, Settings settings,
                        ExecutorService fsyncPool, Clock clock) {
        this(outbox, routes, accounts, null, settings, fsyncPool, clock);
    }

    /** {@code credentials}: the access tokens of routes that authenticate as an OAuth2 account (null: none do). */
    public OutboxWorker(Outbox outbox, SmtpRoutes routes, AccountStore accounts, Credentials credentials,
                        Settings settings, ExecutorService fsyncPool, Clock clock) {
        this.credentials = credentials;
        this.outbox = outbox;
        this.routes = routes;
        this.accounts = accounts;
        this.ownerNotice = new OwnerNotice(settings);
        this.fsyncPool = fsyncPool;
        this.clock = clock;
        this.sender = new SmtpSender(settings.duration(SMTP_TIMEOUT));
        this.maxAttempts = settings.integer(MAX_ATTEMPTS);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("configuration key " + MAX_ATTEMPTS + " must be at least 1, got " + maxAttempts);
        }
        this.initialBackoff = settings.duration(INITIAL_BACKOFF);
        this.maxBackoff = settings.duration(MAX_BACKOFF);
    }

    /** One pass over the entries that are due; returns how many were tried. */
    public int deliverDue() {
        return deliverDue(e -> true);
    }

    /**
     * One pass over the due entries that {@code which} accepts (e.g. one account's, after its
     * {@code account fetch}); returns how many were tried. Each entry is claimed first, so another
     * node's (or process's) worker never sends it at the same time.
     */
    public int deliverDue(java.util.function.Predicate<OutboxEntry> which) {
        int tried = 0;
        for (OutboxEntry e : outbox.due(clock.instant())) {
            if (!which.test(e)) {
                continue;
            }
            var claim = outbox.claim(e.id(), clock);
            if (claim.isEmpty()) {
                continue; // another node (or process) is sending it, or sent it since the list was read
            }
            try (RowClaim.Held held = claim.get()) {
                // Another node may have attempted it since the list was read: send to what is left now,
                // not to the recipients (and attempt count) of that older copy.
                var fresh = outbox.get(e.id()).filter(f -> f.state() == OutboxEntry.State.WAITING);
                if (fresh.isEmpty()) {
                    held.release();
                    continue;
                }
                tried++;
                attempt(fresh.get(), held);
            } catch (IOException | RuntimeException ex) {
                // not released: if the message went out, another node must not send it again at once
                LOG.warn("outbox {}: attempt could not be recorded, it is due again once the claim runs out: {}",
                        e.id(), ex.getMessage());
            }
        }
        return tried;
    }

    /** What the route logs in with: its password, the access token of its OAuth2 account, or nothing. */
    private Credential credential(String domain) throws IOException {
        var oauth2Account = routes.oauth2Account(domain);
        if (oauth2Account.isPresent()) {
            var account = accounts.get(oauth2Account.get());
            if (account.isEmpty() || credentials == null) {
                throw new IOException("the route's OAuth2 account " + oauth2Account.get() + " is not available");
            }
            return credentials.forLogin(account.get());
        }
        return routes.password(domain).<Credential>map(Credential.Password::new).orElse(null);
    }

    private void attempt(OutboxEntry e, RowClaim.Held held) throws IOException {
        Path file = outbox.file(e);
        var route = routes.forDomain(e.routeDomain());
        Map<String, SmtpSender.Result> results = new LinkedHashMap<>();
        if (route.isEmpty()) {
            e.recipients().forEach(r -> results.put(r, new SmtpSender.Result(SmtpSender.Outcome.PERMANENT,
                    "no route for " + e.routeDomain() + " any more")));
        } else if (!Files.exists(file)) {
            e.recipients().forEach(r -> results.put(r, new SmtpSender.Result(SmtpSender.Outcome.PERMANENT,
                    "the queued message file " + file + " is missing")));
        } else {
            try {
                results.putAll(sender.send(route.get(), credential(e.routeDomain()), file, e.envelopeFrom(),
                        e.recipients()));
            } catch (IOException noToken) {
                // the route's OAuth2 account cannot sign in now (or needs its owner to): the mail waits
                e.recipients().forEach(r -> results.put(r, new SmtpSender.Result(SmtpSender.Outcome.TEMPORARY,
                        "no access token for the route: " + noToken.getMessage())));
            }
        }
        int attempts = e.attempts() + 1;
        List<String> temporary = new ArrayList<>();
        Map<String, String> giveUp = new LinkedHashMap<>();
        StringBuilder errors = new StringBuilder();
        results.forEach((r, res) -> {
            switch (res.outcome()) {
                case SENT -> { }
                case TEMPORARY -> temporary.add(r);
                case PERMANENT -> giveUp.put(r, res.reply());
            }
            if (res.reply() != null) {
                errors.append(errors.length() == 0 ? "" : "; ").append(r).append(": ").append(res.reply());
            }
        });
        if (!temporary.isEmpty() && attempts >= maxAttempts) {
            temporary.forEach(r -> giveUp.put(r, results.get(r).reply() + " (gave up after " + attempts + " attempts)"));
            temporary.clear();
        }
        if (!giveUp.isEmpty()) {
            notifyOwner(e, giveUp, file);
        }
        List<String> failed = new ArrayList<>(e.failedRecipients());
        failed.addAll(giveUp.keySet());
        Instant now = clock.instant();
        String error = errors.length() == 0 ? null : errors.toString();
        held.close(); // no renewal from here on: the outcome below clears the claim
        if (!temporary.isEmpty()) {
            Instant next = now.plus(backoff(attempts));
            if (recorded(e, outbox.update(e, temporary, failed, OutboxEntry.State.WAITING, attempts, next, error))) {
                LOG.warn("outbox {} via {}: deferred for {} ({}); attempt {} of {}, next at {}", e.id(), e.routeDomain(),
                        temporary, error, attempts, maxAttempts, next);
            }
        } else if (!failed.isEmpty()) {
            // the file stays so that `outbox retry` can send it again
            if (recorded(e, outbox.update(e, failed, failed, OutboxEntry.State.FAILED, attempts, now, error))) {
                LOG.warn("outbox {} via {}: given up for {} ({}); the owner has a delivery-failure notice", e.id(),
                        e.routeDomain(), failed, error);
            }
        } else if (recorded(e, outbox.update(e, List.of(), List.of(), OutboxEntry.State.SENT, attempts, now, null))) {
            Files.deleteIfExists(file);
            LOG.info("outbox {}: UIDL {} sent via {} to {}", e.id(), e.uidl(), e.routeDomain(), e.recipients());
        }
    }

    /** False, with an ERROR line, when the claim ran out mid-attempt and another node has the entry now. */
    private static boolean recorded(OutboxEntry e, boolean recorded) {
        if (!recorded) {
            LOG.error("outbox {} via {}: this node's claim ran out during the attempt and another node took the entry"
                    + " over; this attempt's outcome is not recorded (its recipients may get it twice)", e.id(),
                    e.routeDomain());
        }
        return recorded;
    }

    /** initial-backoff doubled per attempt after the first, capped at max-backoff. */
    Duration backoff(int attempts) {
        Duration d = initialBackoff;
        for (int i = 1; i < attempts && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }

    /**
     * The notice goes durably (fsync, rename, directory fsync) into the owner's Maildir under the
     * data dir, with a name fixed per entry and attempt so that a repeated pass does not add a second one.
     */
    private void notifyOwner(OutboxEntry e, Map<String, String> failures, Path original) throws IOException {
        Account account = accounts.get(e.accountId()).orElse(null);
        if (account == null) {
            LOG.warn("outbox {}: account {} is gone; no owner to notify of {}", e.id(), e.accountId(), failures.keySet());
            return;
        }
        String baseName = "mailfetch.outbox" + e.id() + ".n" + (e.attempts() + 1);
        Path body = original.resolveSibling(e.id() + ".notice.tmp");
        try {
            DeliveryFailureNotice.write(body, e, account.ownerAddress(), failures, original, clock.instant());
            try (InputStream notice = Files.newInputStream(body)) {
                ownerNotice.deliver(account.ownerAddress(), baseName, notice, fsyncPool);
            }
        } finally {
            Files.deleteIfExists(body);
        }
    }
}
