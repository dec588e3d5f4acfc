package org.mailfetch.fetch.imap;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.imap.IdleManager;
import org.eclipse.angus.mail.imap.protocol.IMAPResponse;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.account.ImapOptionsStore;
import org.mailfetch.config.Settings;
import org.mailfetch.fetch.AccountTrust;
import org.mailfetch.fetch.FetchContext;
import org.mailfetch.fetch.StatusBoard;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.NeedsAuthorization;
import org.mailfetch.mail.Security;
import org.mailfetch.net.Watchdog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IMAP IDLE push for the accounts whose options ask for it: per account and folder one connection
 * that sits in IDLE (RFC 2177) and, when the server announces new mail (EXISTS), asks for a session
 * at once — "download now", so the session is the account's usual one (lease, gate, pipeline). The
 * account's route and its Quartz timer stay as they are: IDLE only adds early triggers, and the
 * timer keeps polling at the interval whether IDLE is live or not.
 *
 * <p>Threads, whatever the number of accounts: {@value #SHARDS_KEY} IdleManagers (Angus, NIO), each
 * one selector thread reading for its share of the connections, plus a few threads of their own for
 * ending IDLE; {@value #WORKERS_KEY} threads that connect, log in, renew and reconnect; EXISTS and
 * BYE are seen by a response handler on the selector thread, which only schedules work. A read on
 * a selector thread is bounded by {@link IdleSocket} (line and literal size, time per response, a
 * timeout fails the connection), so a hostile server holds its shard for about one read timeout.
 *
 * <p>Per connection: log in (SSL, STARTTLS or plain, trust and host name checked as for fetching),
 * CAPABILITY must list IDLE — else the account is polled only, its status says so, and the
 * capability is asked again after {@link #NO_IDLE_RECHECK}; EXAMINE the folder (read-only: IDLE
 * changes nothing on the server) and IDLE. Every {@value #RENEW_KEY} (default 25 minutes, under the
 * 29-minute limit servers may apply) DONE, NOOP and IDLE again; the NOOP also finds a connection
 * that died silently. A burst of EXISTS within {@link Config#debounce} asks for one session. A
 * failed or cut connection is reconnected after a back-off that doubles from
 * {@value #BACKOFF_KEY}-min up to the cap (with jitter), and a reconnect asks for a session, since
 * mail may have come while no one watched. The credential (password or OAuth2 token) is asked of
 * {@link Credentials} at every login and never logged; a refused token is refreshed and tried once
 * more, and an account that needs authorization is not watched until it changes.
 *
 * <p>{@link #update} keeps the watches in step with the accounts table (called by each pass of
 * AccountRoutes' reconciler): an enabled IMAP account with IDLE gets one watch per folder; a
 * changed account (host, user, trust, folders …) is watched anew; a disabled, removed or no-longer
 * IDLE account's watches end.
 */
public final class IdleWatchers implements AutoCloseable {

    public static final String SHARDS_KEY = "mailfetch.imap.idle.threads";
    public static final String WORKERS_KEY = "mailfetch.imap.idle.workers";
    public static final String RENEW_KEY = "mailfetch.imap.idle.renew";
    public static final String BACKOFF_KEY = "mailfetch.imap.idle.backoff";
    public static final String BACKOFF_CAP_KEY = "mailfetch.imap.idle.backoff-cap";
    public static final String READ_TIMEOUT_KEY = "mailfetch.imap.idle.read-timeout";
    /** A server without IDLE is asked again after this long (it may have been upgraded). */
    static final Duration NO_IDLE_RECHECK = Duration.ofHours(1);
    /** How often a watch paused for a lost OAuth2 grant looks whether someone signed in again. */
    static final Duration AUTHORIZATION_RECHECK = Duration.ofMinutes(1);
    /** The most one response on an IDLE connection may hold: IDLE brings short untagged lines. */
    static final long MAX_RESPONSE = 256L << 10;

    private static final Logger LOG = LoggerFactory.getLogger(IdleWatchers.class);

    /** How the watches run; see application.properties for the keys and their defaults. */
    public record Config(int shards, int workers, Duration renew, Duration backoff, Duration backoffCap,
                         Duration readTimeout, Duration debounce) {
        public Config {
            if (shards < 1 || workers < 1) {
                throw new IllegalArgumentException(SHARDS_KEY + " and " + WORKERS_KEY + " must be at least 1");
            }
            if (renew.compareTo(Duration.ofMinutes(29)) >= 0 || renew.isNegative() || renew.isZero()) {
                throw new IllegalArgumentException(RENEW_KEY + " must be under 29 minutes (RFC 2177), got " + renew);
            }
        }

        public static Config from(Settings s) {
            return new Config(s.integer(SHARDS_KEY), s.integer(WORKERS_KEY), s.duration(RENEW_KEY),
                    s.duration(BACKOFF_KEY), s.duration(BACKOFF_CAP_KEY), s.duration(READ_TIMEOUT_KEY),
                    Duration.ofMillis(300));
        }
    }

    private final Credentials credentials;
    private final ImapOptionsStore options;
    private final StatusBoard status;
    private final FetchContext context;
    private final Config config;
    private final LongConsumer downloadNow;
    private final ScheduledThreadPoolExecutor workers;
    private final ThreadPoolExecutor idleThreads;
    private final IdleManager[] shards;
    private final Session managerSession = Session.getInstance(new Properties());
    private final Map<Long, Watched> watched = new HashMap<>();
    private final Map<Long, AtomicBoolean> triggerDue = new ConcurrentHashMap<>();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger nextShard = new AtomicInteger();
    private volatile boolean stopped;
    private volatile boolean started;

    /** One account's watches (one per folder) and what they were made from. */
    private record Watched(Account account, ImapOptions options, List<Watch> watches) {
    }

    /** {@code credentials}: what each IDLE connection logs in with, asked at every login. */
    public IdleWatchers(Credentials credentials, ImapOptionsStore options, StatusBoard status, FetchContext context,
                        Config config, LongConsumer downloadNow) {
        this.credentials = credentials;
        this.options = options;
        this.status = status;
        this.context = context;
        this.config = config;
        this.downloadNow = downloadNow;
        this.workers = new ScheduledThreadPoolExecutor(config.workers(), daemon("mailfetch-idle-worker"));
        workers.setRemoveOnCancelPolicy(true);
        // each shard's selector loop holds one thread for good; the others end IDLE (DONE) with a timeout
        int threads = config.shards() * 2;
        this.idleThreads = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                daemon("mailfetch-idle"));
        this.shards = new IdleManager[config.shards()];
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Opens the selectors; watches start with the first {@link #update}. */
    public synchronized void start() throws IOException {
        for (int i = 0; i < shards.length; i++) {
            shards[i] = new IdleManager(managerSession, idleThreads);
        }
        status.clearIdle();
        started = true;
    }

    /** IDLE connections up now (the gauge mailfetch_idle_connections). */
    public int liveConnections() {
        return live.get();
    }

    /** Whether every folder of the account is watched by a live IDLE connection. */
    public synchronized boolean live(long accountId) {
        Watched w = watched.get(accountId);
        return w != null && w.watches().stream().allMatch(Watch::isLive);
    }

    /** Brings the watches in step with {@code all} (every account, as AccountRoutes saw them). */
    public void update(List<Account> all) {
        if (stopped || !started) {
            return;
        }
        Map<Long, ImapOptions> idle = options.idleAccounts();
        List<Watch> ending = new ArrayList<>();
        synchronized (this) {
            Map<Long, Account> wanted = new HashMap<>();
            for (Account a : all) {
                if (a.enabled() && "imap".equals(a.protocol()) && idle.containsKey(a.id())) {
                    wanted.put(a.id(), a);
                }
            }
            for (var it = watched.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                Account a = wanted.get(e.getKey());
                if (a == null || !a.equals(e.getValue().account()) || !idle.get(a.id()).equals(e.getValue().options())) {
                    ending.addAll(e.getValue().watches());
                    it.remove();
                    if (a == null) {
                        long id = e.getKey();
                        workers.execute(() -> {
                            try {
                                status.idle(id, false, null);
                            } catch (RuntimeException gone) {
                                LOG.debug("account {}: no status to clear ({})", id, gone.getMessage());
                            }
                        });
                        LOG.info("{}: IDLE ends", e.getValue().account().label());
                    }
                }
            }
            for (Account a : wanted.values()) {
                if (!watched.containsKey(a.id())) {
                    ImapOptions o = idle.get(a.id());
                    List<Watch> watches = new ArrayList<>();
                    for (String folder : o.folders()) {
                        watches.add(new Watch(a, folder));
                    }
                    watched.put(a.id(), new Watched(a, o, watches));
                    LOG.info("{}: IDLE on {}; the interval ({} min) keeps polling besides", a.label(), o.folders(),
                            a.intervalMinutes());
                    watches.forEach(w -> workers.execute(w::connect));
                }
            }
        }
        ending.forEach(w -> workers.execute(w::stop));
    }

    /** Ends every watch (LOGOUT where the server answers in time) and the threads. */
    @Override
    public void close() {
        List<Watch> all = new ArrayList<>();
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            watched.values().forEach(w -> all.addAll(w.watches()));
            watched.clear();
        }
        for (Watch w : all) {
            w.drop();
        }
        for (IdleManager m : shards) {
            if (m != null) {
                m.stop();
            }
        }
        workers.shutdownNow();
        idleThreads.shutdown();
        try {
            idleThreads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        idleThreads.shutdownNow();
        try {
            status.clearIdle();
        } catch (RuntimeException e) {
            LOG.debug("clearing the IDLE status at stop: {}", e.getMessage());
        }
    }

    /** New mail in one of the account's folders: one session for a burst, shortly after its first EXISTS. */
    private void newMail(long accountId) {
        AtomicBoolean due = triggerDue.computeIfAbsent(accountId, k -> new AtomicBoolean());
        if (due.compareAndSet(false, true) && !stopped) {
            workers.schedule(() -> {
                due.set(false);
                try {
                    downloadNow.accept(accountId);
                } catch (RuntimeException e) {
                    LOG.warn("account {}: IDLE could not start a session: {}", accountId, e.getMessage());
                }
            }, config.debounce().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized IdleManager shard() {
        int i = Math.floorMod(nextShard.getAndIncrement(), shards.length);
        IdleManager m = shards[i];
        if (m == null || !m.isRunning() && stoppedManager(m)) {
            try {
                m = new IdleManager(managerSession, idleThreads);
                shards[i] = m;
                LOG.warn("IDLE selector {} had stopped; replaced", i);
            } catch (IOException e) {
                throw new IllegalStateException("cannot open a selector for IDLE: " + e.getMessage(), e);
            }
        }
        return m;
    }

    /** A manager not running: not yet started by its executor (fine), or ended (to be replaced). */
    private static boolean stoppedManager(IdleManager m) {
        try {
            Thread.sleep(5); // its select task may just be starting on the pool
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !m.isRunning();
    }

    private void accountChanged(long accountId) {
        workers.execute(() -> {
            Watched w;
            synchronized (this) {
                w = watched.get(accountId);
            }
            if (w == null) {
                return;
            }
            boolean allLive = w.watches().stream().allMatch(Watch::isLive);
            String note = allLive ? "live on " + String.join(", ", w.options().folders())
                    : w.watches().stream().filter(x -> !x.isLive()).map(Watch::note).filter(Objects::nonNull)
                            .findFirst().orElse("connecting");
            try {
                status.idle(accountId, allLive, note);
            } catch (RuntimeException e) {
                LOG.warn("{}: cannot record the IDLE status: {}", w.account().label(), e.getMessage());
            }
        });
    }

    /** One account folder in IDLE: connect, watch, renew, reconnect. Its tasks run on the workers. */
    private final class Watch {
        private final Account account;
        private final String folder;
        private final String label;
        private int failures;
        private boolean connectedBefore;
        private volatile boolean ended;
        private volatile boolean isLive;
        private volatile String note;
        private IdleSocketFactory sockets;
        private IMAPStore store;
        private IMAPFolder watching;
        private IdleManager manager;
        private ScheduledFuture<?> next;

        Watch(Account account, String folder) {
            this.account = account;
            this.folder = folder;
            this.label = account.label() + " folder " + folder;
        }

        boolean isLive() {
            return isLive;
        }

        String note() {
            return note;
        }

        synchronized void connect() {
            if (ended || stopped) {
                return;
            }
            next = null;
            try {
                sockets = new IdleSocketFactory(AccountTrust.of(account), account.security() == Security.SSL,
                        (int) config.readTimeout().toMillis(), MAX_RESPONSE, context.maxListing());
                Watchdog bound = Watchdog.closeAfter(sockets::closeAll,
                        context.connectTimeout().plus(config.readTimeout().multipliedBy(4)));
                try {
                    login();
                    if (!store.hasCapability("IDLE")) {
                        closeQuietly();
                        failures = 0;
                        setLive(false, "the server lacks IDLE: polled every " + account.intervalMinutes()
                                + " min; IDLE asked again in " + NO_IDLE_RECHECK.toMinutes() + " min");
                        LOG.warn("{}: the server does not offer IDLE; the account is polled every {} min", label,
                                account.intervalMinutes());
                        next = workers.schedule(this::connect, NO_IDLE_RECHECK.toMillis(), TimeUnit.MILLISECONDS);
                        return;
                    }
                    IMAPFolder f = (IMAPFolder) store.getFolder(folder);
                    f.open(Folder.READ_ONLY);
                    // read on the selector thread, response by response: no Jakarta event queue (its shared
                    // thread can drop an event when a folder's CLOSED ends the queue while it restarts)
                    f.doCommand(p -> {
                        p.addResponseHandler(r -> {
                            if (r instanceof IMAPResponse ir && ir.keyEquals("EXISTS")) {
                                newMail(account.id());
                            } else if (r.isBYE()) {
                                lost(f, r.isSynthetic() ? "connection lost" : "the server said BYE");
                            }
                        });
                        return null;
                    });
                    manager = shard();
                    manager.watch(f);
                    watching = f;
                } finally {
                    bound.cancel();
                }
            } catch (NeedsAuthorization e) {
                // nothing to try until the owner signs in again. A sign-in changes only the stored
                // grant, not the account, so look again now and then: asking the Credentials while the
                // grant is gone reads the database and contacts no one
                closeQuietly();
                failures = 0;
                setLive(false, "needs authorization: " + e.getMessage());
                LOG.warn("{}: IDLE paused until the account is signed in again ({})", label, e.getMessage());
                next = workers.schedule(this::connect, AUTHORIZATION_RECHECK.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (MessagingException | IOException | RuntimeException e) {
                failed(e);
                return;
            }
            if (ended || stopped) { // stopped while logging in
                closeQuietly();
                return;
            }
            failures = 0;
            setLive(true, null);
            LOG.info("{}: IDLE live", label);
            if (connectedBefore) {
                newMail(account.id()); // mail may have come while no one watched
            }
            connectedBefore = true;
            next = workers.schedule(this::renew, config.renew().toMillis(), TimeUnit.MILLISECONDS);
        }

        /**
         * Connects and logs in with the account's credential; an OAuth2 token the server refuses is
         * refreshed once and tried again (it may have been revoked before it expired).
         */
        private void login() throws MessagingException, IOException {
            Credential credential = credentials.forLogin(account);
            try {
                connectWith(credential);
            } catch (AuthenticationFailedException refused) {
                String text = String.valueOf(refused.getMessage());
                // as ImapRetriever.failure: [UNAVAILABLE] and [INUSE] are the server's, not the token's
                if (!(credential instanceof Credential.Bearer) || text.contains("[UNAVAILABLE]") || text.contains("[INUSE]")) {
                    throw refused;
                }
                Credential fresh = credentials.afterRefusal(account, credential);
                if (fresh == null) {
                    throw refused;
                }
                LOG.info("{}: the server refused the access token; trying once more with a fresh one", label);
                connectWith(fresh);
            }
        }

        private void connectWith(Credential credential) throws MessagingException {
            store = ImapOAuth.store(Session.getInstance(properties(sockets, credential)), credential);
            store.connect(account.host(), account.port(), account.userName(), ImapOAuth.secret(credential));
        }

        /** DONE, NOOP, IDLE: before the server's 29-minute limit, and a check that the connection lives. */
        synchronized void renew() {
            if (ended || stopped || watching == null) {
                return;
            }
            next = null;
            IMAPFolder f = watching;
            if (!manager.isRunning()) {
                failed(new IOException("its IDLE selector stopped"));
                return;
            }
            Watchdog bound = Watchdog.closeAfter(sockets::closeAll, config.readTimeout().multipliedBy(3));
            try {
                f.doCommand(p -> {
                    p.simpleCommand("NOOP", null);
                    return null;
                });
                manager = shard();
                manager.watch(f);
            } catch (MessagingException | RuntimeException e) {
                failed(e);
                return;
            } finally {
                bound.cancel();
            }
            LOG.debug("{}: IDLE renewed", label);
            next = workers.schedule(this::renew, config.renew().toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Told by the selector thread that the connection ended (BYE, or a synthetic BYE for a failed read). */
        void lost(IMAPFolder f, String why) {
            workers.execute(() -> {
                synchronized (this) {
                    if (watching == f && !ended) {
                        failed(new IOException(why));
                    }
                }
            });
        }

        private void failed(Exception e) {
            closeQuietly();
            if (ended || stopped) {
                return;
            }
            failures++;
            long base = config.backoff().toMillis() << Math.min(20, failures - 1);
            long wait = Math.min(config.backoffCap().toMillis(), base);
            wait += ThreadLocalRandom.current().nextLong(wait / 4 + 1); // spread reconnects of many accounts
            String why = describe(e);
            setLive(false, "reconnecting in " + Math.max(1, wait / 1000) + " s: " + why);
            LOG.warn("{}: IDLE connection failed ({}); reconnecting in {} s", label, why, Math.max(1, wait / 1000));
            if (next != null) {
                next.cancel(false);
            }
            next = workers.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
        }

        /** Ends the watch: DONE and LOGOUT where the server answers in time, else the sockets are closed. */
        synchronized void stop() {
            ended = true;
            if (next != null) {
                next.cancel(false);
            }
            IMAPFolder f = watching;
            IMAPStore s = store;
            if (f != null && manager != null && manager.isRunning()) {
                Watchdog bound = Watchdog.closeAfter(sockets::closeAll, config.readTimeout());
                try {
                    f.close(false);
                    s.close();
                } catch (MessagingException | RuntimeException ignored) {
                    // closing is the point
                } finally {
                    bound.cancel();
                }
            }
            closeQuietly();
            setLive(false, null);
        }

        /** At service stop: the sockets close at once, without waiting for any server. */
        void drop() {
            ended = true;
            IdleSocketFactory s = sockets;
            if (s != null) {
                s.closeAll();
            }
            if (isLive) {
                isLive = false;
                live.decrementAndGet();
            }
        }

        private void closeQuietly() {
            IdleSocketFactory s = sockets;
            if (s != null) {
                s.closeAll(); // never through Angus: a folder in IDLE waits for its selector to end IDLE
            }
            watching = null;
            store = null;
        }

        private void setLive(boolean now, String why) {
            boolean was = isLive;
            isLive = now;
            note = why;
            if (was != now) {
                if (now) {
                    live.incrementAndGet();
                } else {
                    live.decrementAndGet();
                }
            }
            if (!ended) {
                accountChanged(account.id());
            }
        }

        private String describe(Exception e) {
            if (e instanceof AuthenticationFailedException) {
                return "login refused (" + e.getMessage() + ")";
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            return (e.getMessage() != null && root != e ? e.getMessage() + ": " : "") + m;
        }

        private Properties properties(IdleSocketFactory s, Credential credential) {
            Properties p = AngusConnection.properties(account.security(), context.connectTimeout(), config.readTimeout(),
                    s.plain(), s.tls());
            ImapOAuth.configure(p, credential, account.userName(), account.host(), account.port());
            p.setProperty("mail.imap.usesocketchannels", "true");
            // no listeners are registered; should Angus queue an event anyway, one shared thread, not one per folder
            p.setProperty("mail.event.scope", "application");
            return p;
        }
    }

    /** The sockets of one IDLE connection ({@link IdleSocket}s), remembered so that they can be closed at once. */
    static final class IdleSocketFactory {
        private final List<IdleSocket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final SSLSocketFactory tls;
        private final boolean tlsAtConnect;
        private final int readTimeoutMillis;
        private final long maxResponse;
        private final long maxMessages;

        /** {@code maxMessages}: mailfetch.fetch.max-listing, the most messages a folder may announce. */
        IdleSocketFactory(SSLContext trust, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse,
                          long maxMessages) throws IOException {
            try {
                this.tls = (trust != null ? trust : SSLContext.getDefault()).getSocketFactory();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no TLS available: " + e.getMessage(), e);
            }
            this.tlsAtConnect = tlsAtConnect;
            this.readTimeoutMillis = readTimeoutMillis;
            this.maxResponse = maxResponse;
            this.maxMessages = maxMessages;
        }

        private IdleSocket socket() throws IOException {
            IdleSocket s = new IdleSocket(tls, tlsAtConnect, readTimeoutMillis, maxResponse, readTimeoutMillis, maxMessages);
            sockets.add(s);
            return s;
        }

        /** mail.imap.socketFactory: Angus connects the unconnected socket it gets here. */
        SocketFactory plain() {
            return new SocketFactory() {
                @Override
                public java.net.Socket createSocket() throws IOException {
                    return socket();
                }

                @Override
                public java.net.Socket createSocket(String host, int port) throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }

                @Override
                public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort)
                        throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }

                @Override
                public java.net.Socket createSocket(java.net.InetAddress host, int port) throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }

                @Override
                public java.net.Socket createSocket(java.net.InetAddress host, int port, java.net.InetAddress local,
                                                    int localPort) throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }
            };
        }

        /** mail.imap.ssl.socketFactory: Angus asks it to upgrade the socket after STARTTLS; TLS goes under the bounds. */
        SSLSocketFactory tls() {
            return new SSLSocketFactory() {
                @Override
                public String[] getDefaultCipherSuites() {
                    return tls.getDefaultCipherSuites();
                }

                @Override
                public String[] getSupportedCipherSuites() {
                    return tls.getSupportedCipherSuites();
                }

                @Override
                public java.net.Socket createSocket(java.net.Socket s, String host, int port, boolean autoClose)
                        throws IOException {
                    if (s instanceof IdleSocket idle) {
                        idle.startTls(host, port);
                        return idle;
                    }
                    throw new IOException("TLS is layered on IDLE sockets only");
                }

                @Override
                public java.net.Socket createSocket(String host, int port) throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }

                @Override
                public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort)
                        throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }

                @Override
                public java.net.Socket createSocket(java.net.InetAddress host, int port) throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }

                @Override
                public java.net.Socket createSocket(java.net.InetAddress host, int port, java.net.InetAddress local,
                                                    int localPort) throws IOException {
                    throw new IOException("IDLE sockets are connected by Angus");
                }
            };
        }

        void closeAll() {
            for (IdleSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing is the point
                }
            }
        }
    }
}
