package org.mailfetch.fetch;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.mailfetch.delivery.DeliverySession;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.CredentialUnavailable;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.NeedsAuthorization;
import org.mailfetch.mail.MessageLog;
import org.mailfetch.account.AccountStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.mail.FetchedMessage;

/**
 * Opens and closes fetch sessions for the route {@code fetch-session}: one session per account at a
 * time (in this process by a flag, across processes by {@link AccountLease}), at most
 * mailfetch.fetch.max-concurrent-sessions at once. A "download now" that arrives while the account's
 * session runs is remembered and run right after it.
 */
@ManagedResource(description = "mailfetch fetch sessions")
public final class FetchSessions {

    public static final String ENDPOINT = "direct:fetch-session";
    /** Exchange header: the account to fetch. */
    public static final String ACCOUNT_ID = "mailfetchAccountId";
    /** Exchange header: why the session runs, see {@link Trigger}. */
    public static final String TRIGGER = "mailfetchTrigger";
    /** Exchange property: the open {@link FetchSession}. */
    public static final String SESSION = DeliverySession.PROPERTY;

    /** schedule: the account's timer; now: download now in the service; cli: `account fetch`, which waits for the lease. */
    /**
     * What started a session: the account's timer, "download now", the CLI's `account fetch`, or
     * Quartz recovering the timer job of a node that died mid-session (on a cluster).
     */
    public enum Trigger {
        SCHEDULE, NOW, CLI, RECOVERY;

        /** Started by the timer (also when recovered): no session owed if skipped, back-off applies. */
        boolean scheduled() {
            return this == SCHEDULE || this == RECOVERY;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(FetchSessions.class);

    private final AccountStore accounts;
    private final Credentials credentials;
    private final UidlLedger ledger;
    private final StatusBoard status;
    private final AccountLease lease;
    private final FetchContext context;
    private final ScheduledExecutorService leaseRenewer;
    private final Semaphore sessionPermits;
    private final Map<String, Retriever.Opener> retrievers;
    private final Map<Long, Gate> gates = new ConcurrentHashMap<>();
    private final String holder = ManagementFactory.getRuntimeMXBean().getName() + "/" + Long.toHexString(System.nanoTime());
    private CamelContext camelContext;
    /** One template for every download-now: each template has its own thread pool, so one per call leaked threads. */
    private ProducerTemplate downloads;
    private volatile Consumer<SessionSummary> observer = summary -> { };
    /** The service's "download now" requests shared with other nodes; null in CLI one-shots. */
    private volatile DownloadRequests sharedRequests;

    /** Per account in this process: is a session running, and did a download-now arrive meanwhile. */
    private static final class Gate {
        final AtomicBoolean running = new AtomicBoolean();
        final AtomicBoolean pending = new AtomicBoolean();
        volatile ScheduledFuture<?> renewal;
        volatile boolean permit;
        /**
         * The running session's hold on the account's lease, renewed in the background; null when this
         * process holds none. One per session, so a late renewal of the session before cannot touch it.
         */
        volatile HeldLease held;
    }

    /**
     * {@code credentials}: what each session logs in with, asked at every login; {@code retrievers}:
     * per protocol name ("pop3"), how to log in and list.
     */
    public FetchSessions(AccountStore accounts, Credentials credentials, UidlLedger ledger, StatusBoard status,
                         AccountLease lease, FetchContext context, ScheduledExecutorService leaseRenewer,
                         Map<String, Retriever.Opener> retrievers) {
        this.credentials = credentials;
        this.retrievers = Map.copyOf(retrievers);
        this.accounts = accounts;
        this.ledger = ledger;
        this.status = status;
        this.lease = lease;
        this.context = context;
        this.leaseRenewer = leaseRenewer;
        this.sessionPermits = new Semaphore(context.maxConcurrentSessions(), true);
    }

    /**
     * The service: "download now" requests are recorded in the database too, so that the node running
     * the account's session (maybe another) runs them right after it. Not for CLI one-shots.
     */
    public void shareDownloadRequests(DownloadRequests requests) {
        this.sharedRequests = requests;
    }

    /** Told every session's summary, also of sessions that did not start (metrics). */
    public void setObserver(Consumer<SessionSummary> observer) {
        this.observer = observer;
    }

    private void observe(SessionSummary summary) {
        try {
            observer.accept(summary);
        } catch (RuntimeException e) {
            LOG.warn("{}: recording the session's metrics failed: {}", summary.label(), e.getMessage());
        }
    }

    /** Set by FetchEngine once Camel Main has created the context. */
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    /** Download now: runs a session soon, or right after the one running now. Never lost. */
    @ManagedOperation(description = "Download now: fetch the account's new mail at once")
    public void downloadNow(long accountId) {
        DownloadRequests shared = sharedRequests;
        if (shared != null) {
            // first, so that a session ending elsewhere right now either sees it or has released the lease
            shared.record(accountId, context.clock().instant());
        }
        Gate gate = gates.computeIfAbsent(accountId, id -> new Gate());
        gate.pending.set(true);
        if (!gate.running.get()) {
            startPending(accountId, gate);
        }
    }

    private void startPending(long accountId, Gate gate) {
        if (gate.pending.get()) {
            downloads().asyncRequestBodyAndHeaders(ENDPOINT, null,
                    Map.of(ACCOUNT_ID, accountId, TRIGGER, Trigger.NOW.name()));
        }
    }

    /** A "download now" made on another node while this one ran the account's session runs here next. */
    private void askedElsewhere(long accountId, Gate gate) {
        DownloadRequests shared = sharedRequests;
        try {
            if (shared != null && shared.waiting(accountId)) {
                gate.pending.set(true);
            }
        } catch (RuntimeException e) {
            LOG.warn("account {}: cannot look for download requests from other nodes: {}", accountId, e.getMessage());
        }
    }

    private synchronized ProducerTemplate downloads() {
        if (downloads == null) {
            downloads = camelContext.createProducerTemplate();
        }
        return downloads;
    }

    /** First step of the route: returns an open {@link FetchSession}, or a {@link SessionSummary} saying why none runs. */
    public Object open(Exchange exchange) {
        long id = exchange.getMessage().getHeader(ACCOUNT_ID, Long.class);
        Trigger trigger = Trigger.valueOf(exchange.getMessage().getHeader(TRIGGER, Trigger.SCHEDULE.name(), String.class));
        Instant now = context.clock().instant();
        Optional<Account> found = accounts.get(id);
        if (found.isEmpty()) {
            return SessionSummary.skipped(id, "account " + id, "no such account", now);
        }
        Account account = found.get();
        Gate gate = gates.computeIfAbsent(id, k -> new Gate());
        if (!gate.running.compareAndSet(false, true)) {
            if (!trigger.scheduled()) {
                gate.pending.set(true);
            }
            return SessionSummary.skipped(id, account.label(), "a session is running; this request runs after it", now);
        }
        if (trigger == Trigger.NOW) {
            gate.pending.set(false);
        }
        try {
            String reason = reasonNotToStart(account, trigger, now);
            if (reason != null) {
                return endWithoutSession(account, gate, reason, trigger);
            }
            sessionPermits.acquire();
            gate.permit = true;
            HeldLease held = takeLease(account, trigger);
            if (held == null) {
                return endWithoutSession(account, gate, "another process is fetching this account", trigger);
            }
            gate.held = held;
            DownloadRequests shared = sharedRequests;
            // Every download-now is recorded before its session starts. None left: a session that listed
            // after the request (another node's, which took the lease first, or an earlier one here) has
            // served it, and running one more would serve the same request twice.
            if (shared != null && shared.servedBy(id) == 0 && trigger == Trigger.NOW) {
                return endWithoutSession(account, gate, "download now: served already by the session before", trigger);
            }
            // renewed from the start: a lease lost while logging in stops the session too
            gate.renewal = leaseRenewer.scheduleAtFixedRate(() -> renewLease(account, held),
                    lease.ttl().toMillis() / 3, lease.ttl().toMillis() / 3, TimeUnit.MILLISECONDS);
            status.started(id, now);
            Object sessionOrSummary = connect(account, gate, held, trigger);
            if (sessionOrSummary instanceof FetchSession session) {
                exchange.setProperty(SESSION, session);
            }
            return sessionOrSummary;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return endWithoutSession(account, gate, "interrupted while waiting to start", trigger);
        } catch (RuntimeException | Error e) {
            // the account must never stay "running" with its permit and lease held
            try {
                status.finished(id, new SessionSummary(id, account.label(), SessionSummary.Result.FAILED,
                        Failures.describe(e), now, context.clock().instant(), 0, 0, 0, 0, 0, 0, 0, Map.of()),
                        false, null, status.get(id).nextRun());
            } catch (RuntimeException | Error ignored) {
                e.addSuppressed(ignored);
            } finally {
                release(account, gate);
            }
            throw e;
        }
    }

    private String reasonNotToStart(Account account, Trigger trigger, Instant now) {
        if (!retrievers.containsKey(account.protocol())) {
            return "protocol " + account.protocol() + " is not supported yet";
        }
        try {
            long free = Files.getFileStore(existing(context.dataDir())).getUsableSpace();
            if (free < context.minFreeDisk()) {
                return String.format("low disk: %d MiB free under %s, mailfetch.fetch.min-free-disk is %d MiB",
                        free >> 20, context.dataDir(), context.minFreeDisk() >> 20);
            }
        } catch (IOException e) {
            return "cannot check free disk under " + context.dataDir() + ": " + e.getMessage();
        }
        Instant backoff = status.get(account.id()).backoffUntil();
        if (trigger.scheduled() && backoff != null && now.isBefore(backoff)) {
            return "backing off after repeated login failures until " + backoff;
        }
        return null;
    }

    private static Path existing(Path p) {
        Path q = p;
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q == null ? p : q;
    }

    /** The lease, taken now or (CLI, a recovered job) after waiting for it; null when another process holds it. */
    private HeldLease takeLease(Account account, Trigger trigger) throws InterruptedException {
        long sent = System.nanoTime();
        if (lease.tryAcquire(account.id(), holder)) {
            return new HeldLease(lease, account, holder, sent);
        }
        if (trigger != Trigger.CLI && trigger != Trigger.RECOVERY) {
            return null;
        }
        // the CLI waits for a running session; a recovered job for the dead node's lease to expire
        LOG.info("{}: another session holds the account; waiting for it to {}", account.label(),
                trigger == Trigger.CLI ? "finish" : "expire (its node stopped checking in)");
        Instant giveUp = Instant.now().plus(trigger == Trigger.CLI ? Duration.ofMinutes(30)
                : lease.ttl().plusSeconds(5));
        while (Instant.now().isBefore(giveUp)) {
            Thread.sleep(500);
            sent = System.nanoTime();
            if (lease.tryAcquire(account.id(), holder)) {
                return new HeldLease(lease, account, holder, sent);
            }
        }
        return null;
    }

    private static void renewLease(Account account, HeldLease held) {
        try {
            held.renew();
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot renew the session lease: {}", account.label(), e.getMessage());
        }
    }

    /**
     * Opens the account's retriever with its credential; an OAuth2 token the server refuses is
     * refreshed and tried once more (it may have been revoked before it expired). A password is not:
     * a second refusal would only bring the account's back-off nearer.
     */
    private Retriever open(Account account, long deadlineNanos) throws IOException {
        Retriever.Opener opener = retrievers.get(account.protocol());
        Credential credential = credentials.forLogin(account);
        try {
            return opener.open(account, credential, context, deadlineNanos);
        } catch (ServerException e) {
            if (e.kind() != ServerException.Kind.LOGIN_REFUSED || !(credential instanceof Credential.Bearer)) {
                throw e;
            }
            Credential fresh = credentials.afterRefusal(account, credential);
            if (fresh == null) {
                throw e;
            }
            return opener.open(account, fresh, context, deadlineNanos);
        }
    }

    /**
     * Logs in and lists: the open session, or the summary of a session that failed to start. Any
     * Throwable (an OutOfMemoryError too) ends in a summary, with permit, lease and status released.
     */
    private Object connect(Account account, Gate gate, HeldLease held, Trigger trigger) {
        Instant start = context.clock().instant();
        long startNanos = System.nanoTime();
        Retriever retriever = null;
        MessageLog.startSession(account);
        try {
            retriever = open(account, startNanos + context.sessionDeadline().toNanos());
            long maxSize = accounts.maxMessageSize(account.id()).orElse(context.maxMessageSize());
            return new FetchSession(account, retriever, ledger, context, this::stopping, held, startNanos, maxSize);
        } catch (Throwable e) {
            MessageLog.endSession();
            if (retriever != null) {
                retriever.close();
            }
            boolean grantGone = e instanceof NeedsAuthorization;
            SessionSummary summary = new SessionSummary(account.id(), account.label(), grantGone
                    ? SessionSummary.Result.NEEDS_AUTHORIZATION : SessionSummary.Result.FAILED,
                    grantGone ? e.getMessage() : Failures.describe(e), start, context.clock().instant(),
                    0, 0, 0, 0, 0, 0, 0, Map.of());
            try {
                // a token endpoint that fails backs off like a refused login: no storm of token requests
                record(account, summary, Failures.isLoginFailure(e) || e instanceof CredentialUnavailable, trigger);
            } finally {
                release(account, gate);
            }
            return summary;
        }
    }

    private boolean stopping() {
        return camelContext != null && (camelContext.isStopping() || camelContext.isStopped());
    }

    /**
     * Last step of the chain for each message, as a route file of an older mailfetch calls it; the
     * route file of this one uses {@link JoinBatch}, which spares the bean binding per message.
     */
    public void accept(FetchedMessage message, @ExchangeProperty(SESSION) FetchSession session) {
        session.accept(message);
    }

    /** doCatch of the route: a step failed on a message; the session stops fetching. */
    public void failed(Exchange exchange) {
        FetchSession session = exchange.getProperty(SESSION, FetchSession.class);
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        session.fail(error);
    }

    /** doFinally of the route: group-commits, deletes what is due, quits, records and logs the summary. */
    public SessionSummary close(Exchange exchange) {
        FetchSession session = exchange.getProperty(SESSION, FetchSession.class);
        Account account = session.account();
        Gate gate = gates.get(account.id());
        Trigger trigger = Trigger.valueOf(exchange.getMessage().getHeader(TRIGGER, Trigger.SCHEDULE.name(), String.class));
        Instant start = context.clock().instant();
        SessionSummary summary;
        try {
            summary = session.finish();
        } catch (Throwable e) {
            // e.g. an OutOfMemoryError: the status must still say the session ended, and how
            try {
                session.abandon();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            summary = new SessionSummary(account.id(), account.label(), SessionSummary.Result.FAILED,
                    "the session ended abnormally: " + Failures.describe(e), start, context.clock().instant(),
                    0, 0, 0, 0, 0, 0, 0, Map.of());
        } finally {
            MessageLog.endSession();
        }
        try {
            record(account, summary, false, trigger);
        } finally {
            release(account, gate);
        }
        return summary;
    }

    private void record(Account account, SessionSummary summary, boolean loginFailed, Trigger trigger) {
        int failures = loginFailed ? status.get(account.id()).loginFailures() + 1 : 0;
        Duration interval = Duration.ofMinutes(account.intervalMinutes());
        Instant backoffUntil = null;
        if (failures >= context.loginFailuresBeforeBackoff()) {
            int doublings = Math.min(30, failures - context.loginFailuresBeforeBackoff() + 1);
            Duration wait = interval.multipliedBy(1L << doublings);
            backoffUntil = summary.end().plus(wait.compareTo(context.backoffCap()) > 0 ? context.backoffCap() : wait);
        }
        Instant nextRun = backoffUntil != null ? backoffUntil : summary.end().plus(interval);
        status.finished(account.id(), summary, loginFailed, backoffUntil, trigger.scheduled() ? nextRun
                : status.get(account.id()).nextRun());
        observe(summary);
        if (summary.result() == SessionSummary.Result.OK) {
            LOG.info(summary.line());
        } else {
            LOG.warn("{}{}", summary.line(), backoffUntil == null ? ""
                    : "; " + failures + " login failures in a row, backing off until " + backoffUntil);
        }
    }

    private SessionSummary endWithoutSession(Account account, Gate gate, String reason, Trigger trigger) {
        Instant now = context.clock().instant();
        SessionSummary summary = SessionSummary.skipped(account.id(), account.label(), reason, now);
        status.skipped(account.id(), reason, trigger.scheduled()
                ? now.plus(Duration.ofMinutes(account.intervalMinutes())) : status.get(account.id()).nextRun());
        LOG.warn(summary.line());
        observe(summary);
        release(account, gate);
        return summary;
    }

    private void release(Account account, Gate gate) {
        ScheduledFuture<?> renewal = gate.renewal;
        gate.renewal = null;
        if (renewal != null) {
            renewal.cancel(false);
        }
        HeldLease held = gate.held;
        if (held != null) {
            held.end();
        }
        try {
            lease.release(account.id(), holder);
        } finally {
            if (gate.permit) {
                gate.permit = false;
                sessionPermits.release();
            }
            gate.held = null;
            gate.running.set(false);
            if (camelContext != null && !stopping()) {
                if (held != null) {
                    askedElsewhere(account.id(), gate); // not when the lease was elsewhere: its holder runs them
                }
                startPending(account.id(), gate);
            }
        }
    }
}
