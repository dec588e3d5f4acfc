package org.mailfetch.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import javax.management.ObjectName;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.mailfetch.account.AccountRoutes;
import org.mailfetch.cluster.ClusterHealthCheck;
import org.mailfetch.cluster.Scheduling;
import org.mailfetch.api.AccountResource;
import org.mailfetch.api.AdminHttp;
import org.mailfetch.api.ApiErrors;
import org.mailfetch.api.DirectoryResource;
import org.mailfetch.api.OutboxResource;
import org.mailfetch.api.QuarantineResource;
import org.mailfetch.api.RouteResource;
import org.mailfetch.config.TrustedFiles;
import org.mailfetch.delivery.LocalDelivery;
import org.mailfetch.delivery.Outbox;
import org.mailfetch.delivery.OutboxWorker;
import org.mailfetch.fetch.AccountLease;
import org.mailfetch.fetch.DownloadRequests;
import org.mailfetch.fetch.FetchContext;
import org.mailfetch.fetch.FetchSessions;
import org.mailfetch.mail.Credentials;
import org.mailfetch.fetch.pop3.Pop3Retriever;
import org.mailfetch.fetch.imap.IdleWatchers;
import org.mailfetch.fetch.imap.ImapRetriever;
import org.mailfetch.account.ImapOptionsStore;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.filter.ReceivedDateStamp;
import org.mailfetch.filter.SpamCheck;
import org.mailfetch.filter.VirusCheck;
import org.mailfetch.observe.AccountMBeans;
import org.mailfetch.observe.AccountRoutesHealthCheck;
import org.mailfetch.observe.DatabaseHealthCheck;
import org.mailfetch.mail.OutOfMemory;
import org.mailfetch.observe.FetchMetrics;
import org.mailfetch.quarantine.Quarantine;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.recipient.RecipientResolver;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.service.DirectoryService;
import org.mailfetch.service.OutboxService;
import org.mailfetch.service.QuarantineService;
import org.mailfetch.service.RouteService;
import org.mailfetch.service.Services;
import org.mailfetch.service.SignInService;

/**
 * Camel Main with mailfetch's beans and YAML routes. As the service it loads every route (the
 * accounts' timers and the reconciler); for `account fetch` only the fetch-session route, so CLI
 * commands never start scheduled fetching.
 */
public final class FetchEngine implements AutoCloseable {

    public enum Mode { SERVICE, SINGLE_SESSION }

    private final Main main;
    private final Mode mode;
    private final FetchSessions sessions;
    private final ExecutorService fsyncPool;
    private final OutboxWorker outboxWorker;
    /** OAuth2 sign-ins started over REST or the web page. */
    private final SignInService signIns;
    private final ExecutorService commitPool;
    private final ScheduledExecutorService leaseRenewer;
    /** IMAP IDLE push; the service only (null in CLI one-shots). */
    private final IdleWatchers idleWatchers;
    /** Account triggers in memory (H2) or in the cluster's Quartz tables (PostgreSQL). */
    private final Scheduling scheduling;

    public FetchEngine(Services services, Mode mode, Clock clock) {
        // for now every account logs in with its stored password
        this(services, mode, clock, services.credentials());
    }

    /** {@code credentials}: what fetch sessions and IDLE connections log in with (the OAuth2 seam). */
    public FetchEngine(Services services, Mode mode, Clock clock, Credentials credentials) {
        this.mode = mode;
        var settings = services.settings();
        // fsyncs of files staged moments apart run side by side, so the disk can flush several in one
        // go; a thread here mostly waits in the kernel. 8, as the bench's concurrent raw write.
        fsyncPool = Executors.newFixedThreadPool(8, daemon("mailfetch-fsync"));
        commitPool = Executors.newCachedThreadPool(daemon("mailfetch-commit"));
        FetchContext context = FetchContext.from(settings, clock, fsyncPool, commitPool);
        leaseRenewer = Executors.newSingleThreadScheduledExecutor(daemon("mailfetch-lease"));
        ImapOptionsStore imapOptions = new ImapOptionsStore(services.db());
        sessions = new FetchSessions(services.accounts(), credentials, services.ledger(), services.status(),
                new AccountLease(services.db(), clock, context.lease()), context, leaseRenewer,
                Map.of("pop3", Pop3Retriever::connect, "imap", ImapRetriever.opener(imapOptions, services.ledger())));
        idleWatchers = mode == Mode.SERVICE ? new IdleWatchers(credentials, imapOptions, services.status(),
                context, IdleWatchers.Config.from(settings), sessions::downloadNow) : null;

        main = new Main() {
            @Override
            protected CamelContext createCamelContext() {
                // Main's own, on ManyRoutesCamelContext: the registry of bound beans and the global options
                CamelContext plain = super.createCamelContext();
                ManyRoutesCamelContext camel = new ManyRoutesCamelContext();
                camel.getCamelContextExtension().setRegistry(plain.getRegistry());
                camel.getGlobalOptions().putAll(plain.getGlobalOptions());
                return camel;
            }
        };
        Properties props = settings.asProperties();
        if (mode == Mode.SERVICE) {
            AdminHttp.configure(props, settings);
        } else {
            AdminHttp.disable(props);
        }
        // override: Main would otherwise let the jar's application.properties win over --config and tests
        main.setOverrideProperties(props);
        main.configure().withRoutesIncludePattern(routes(mode));
        if (mode == Mode.SINGLE_SESSION) {
            main.configure().withJmxEnabled(false);
        }
        main.bind("fetchSessions", sessions);
        AccountRoutes accountRoutes = new AccountRoutes(services.accounts());
        // as many first sessions at once as Quartz has threads for (its pool is sized to the session cap)
        accountRoutes.setFirstFiresAtOnce(context.maxConcurrentSessions());
        main.bind("accountRoutes", accountRoutes);
        main.bind("receivedDate", new ReceivedDateStamp(clock));
        main.bind("spamCheck", SpamCheck.from(settings));
        main.bind("virusCheck", VirusCheck.from(settings));
        QuarantineStore quarantineStore = services.quarantine();
        main.bind("quarantine", new Quarantine(quarantineStore, clock));
        main.bind("recipientResolver", new RecipientResolver(services.directory(), services.smtpRoutes(),
                settings.integer(RecipientResolver.MAX_PER_MESSAGE)));
        main.bind("localDelivery", new LocalDelivery(services.directory(),
                new org.mailfetch.delivery.RecipientDeliveries(services.db()), context.readTimeout(), clock));
        Outbox outbox = new Outbox(services.db(), settings.spoolRoot(), clock, services.node().claimer());
        main.bind("outbox", outbox);
        outboxWorker = new OutboxWorker(outbox, services.smtpRoutes(), services.accounts(), credentials, settings,
                fsyncPool, clock);
        main.bind("outboxWorker", outboxWorker);
        scheduling = Scheduling.of(services.db().postgres(), services.node().name());
        QuartzComponent quartz = scheduling.component(context.maxConcurrentSessions(), services.db().dataSource(),
                settings.duration(Scheduling.CHECKIN_INTERVAL));
        // one log line a minute on how late the account timers fired
        quartz.getProperties().put("org.quartz.triggerListener.timerLag.class", TimerLag.class.getName());
        main.bind("quartz", quartz);
        if (mode == Mode.SERVICE) {
            sessions.shareDownloadRequests(new DownloadRequests(services.db()));
        }
        // Camel's Prometheus support takes the registry bound under this name: every meter gets the node label
        main.bind("metricsRegistry", FetchMetrics.registry(services.node().name()));
        AccountService accountService = new AccountService(services, sessions);
        signIns = new SignInService(services.signIn(), Duration.ofMinutes(10), clock);
        main.bind("accountApi", new AccountResource(accountService, signIns));
        main.bind("directoryApi", new DirectoryResource(new DirectoryService(services)));
        main.bind("routeApi", new RouteResource(new RouteService(services)));
        main.bind("outboxApi", new OutboxResource(new OutboxService(services, outbox)));
        main.bind("quarantineApi", new QuarantineResource(new QuarantineService(services)));
        main.bind("apiErrors", new ApiErrors());
        AdminPassword adminPassword = new AdminPassword(services.db());
        AccountMBeans accountMBeans = new AccountMBeans(accountService);
        FetchMetrics metrics = new FetchMetrics();
        accountRoutes.setObserver(all -> {
            scheduling.routesBuilt(main.getCamelContext());
            accountMBeans.update(all);
            if (idleWatchers != null) {
                idleWatchers.update(all); // IDLE follows the accounts table like the routes do
            }
        });
        sessions.setObserver(metrics);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport m) {
                sessions.setCamelContext(m.getCamelContext());
                accountRoutes.setCamelContext(m.getCamelContext());
                accountMBeans.setCamelContext(m.getCamelContext());
                metrics.setCamelContext(m.getCamelContext());
                try {
                    m.getCamelContext().addStartupListener((camel, alreadyStarted) -> {
                        if (alreadyStarted) {
                            return; // called again for every route added later (the reconciler's)
                        }
                        registerMBean(camel);
                        if (mode == Mode.SERVICE) {
                            AdminHttp.secure(camel, adminPassword);
                            HealthCheckRegistry.get(camel).register(new DatabaseHealthCheck(services.db()));
                            if (scheduling.clustered()) {
                                HealthCheckRegistry.get(camel).register(new ClusterHealthCheck(
                                        services.db().dataSource(), scheduling.instanceId(),
                                        settings.duration(Scheduling.CHECKIN_INTERVAL), clock, scheduling::takingTimers));
                            }
                            HealthCheckRegistry.get(camel).register(new AccountRoutesHealthCheck(accountRoutes::progress,
                                    routesGrace(settings), clock));
                            watchForOutOfMemory(camel);
                            try {
                                idleWatchers.start();
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException("cannot start IMAP IDLE: " + e.getMessage(), e);
                            }
                            metrics.idleConnections(idleWatchers::liveConnections);
                            metrics.accountsNeedingAuthorization(() -> services.tokens().needingAuthorization());
                        }
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void beforeStop(BaseMainSupport m) {
                if (idleWatchers != null) {
                    idleWatchers.close(); // no new IDLE triggers while sessions finish
                }
            }
        });
    }

    /** Account routes may lag the accounts table this long before health is DOWN: three reconcile passes, at least a minute. */
    private static Duration routesGrace(org.mailfetch.config.Settings settings) {
        Duration three = settings.duration(RECONCILE_INTERVAL).multipliedBy(3);
        return three.compareTo(Duration.ofMinutes(1)) > 0 ? three : Duration.ofMinutes(1);
    }

    private static final String RECONCILE_INTERVAL = "mailfetch.accounts.reconcile-interval";

    /**
     * An OutOfMemoryError anywhere (a failed exchange, a thread that died of it) turns health DOWN with
     * one ERROR line, instead of a service that goes on half-alive.
     */
    private static void watchForOutOfMemory(CamelContext camel) {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            seen("thread " + thread.getName(), e);
            if (before != null) {
                before.uncaughtException(thread, e);
            }
        });
        try {
            var notifier = new org.apache.camel.support.SimpleEventNotifierSupport() {
                @Override
                public void notify(org.apache.camel.spi.CamelEvent event) {
                    if (event instanceof org.apache.camel.spi.CamelEvent.ExchangeFailedEvent failed) {
                        seen("route " + failed.getExchange().getFromRouteId(), failed.getExchange().getException());
                    }
                }

                @Override
                public boolean isEnabled(org.apache.camel.spi.CamelEvent event) {
                    return event instanceof org.apache.camel.spi.CamelEvent.ExchangeFailedEvent;
                }
            };
            camel.getManagementStrategy().addEventNotifier(notifier);
            org.apache.camel.support.service.ServiceHelper.startService(notifier);
        } catch (Exception e) {
            throw new IllegalStateException("cannot watch for OutOfMemoryError: " + e.getMessage(), e);
        }
    }

    private static void seen(String where, Throwable e) {
        if (OutOfMemory.seen() == null && OutOfMemory.record(where, e)) {
            org.slf4j.LoggerFactory.getLogger(FetchEngine.class).error("OUT OF MEMORY in {}: /observe/health is DOWN"
                    + " from now on; restart the service with a larger -Xmx (README, Operations)", where);
        }
    }

    /** "Download now" over JMX: mailfetch:type=Fetcher, operation downloadNow(accountId). */
    private void registerMBean(CamelContext camel) {
        var agent = camel.getManagementStrategy().getManagementAgent();
        if (agent != null) {
            try {
                agent.register(sessions, new ObjectName("mailfetch:type=Fetcher"));
            } catch (Exception e) {
                throw new IllegalStateException("cannot register the mailfetch:type=Fetcher MBean: " + e.getMessage(), e);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** routes/ in the working directory replaces the copy in the jar. */
    private static String routes(Mode mode) {
        String files = mode == Mode.SERVICE ? "*.camel.yaml" : "fetch-session.camel.yaml";
        Path local = Path.of("routes");
        if (!Files.isDirectory(local)) {
            return "classpath:routes/" + files;
        }
        TrustedFiles.check(local);
        return "file:routes/" + files;
    }

    public void start() throws Exception {
        main.start();
    }

    /**
     * SIGTERM and SIGINT stop Camel first (a running session finishes the message in hand, commits,
     * DELEs what it delivered and QUITs) and only then does the command return and the JVM exit. Left to
     * the JVM, the signal runs every shutdown hook at once, among them H2's database closer, which
     * AUTO_SERVER does not allow to switch off: it closed the database under the finishing session
     * ("Database is already closed" while recording the last batch).
     */
    public void stopOnSignals() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    Thread stopper = new Thread(this::stopGracefully, "mailfetch-stop");
                    stopper.setDaemon(true);
                    stopper.start();
                });
            } catch (IllegalArgumentException unavailable) {
                // no such signal on this platform, or the JVM reserves it (-Xrs): the JVM's default applies
            }
        }
    }

    private void stopGracefully() {
        if (mode == Mode.SERVICE) {
            main.completed(); // runUntilStopped() stops Camel and returns
        } else {
            try {
                camel().stop(); // fetchOnce() returns once the session has finished
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(FetchEngine.class).warn("stopping: {}", e.getMessage());
            }
        }
    }

    /** Runs the service until the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public void runUntilStopped() throws Exception {
        main.run();
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    /** Sends routed mail: the service's outbox route, and {@code account fetch} after its session. */
    public OutboxWorker outboxWorker() {
        return outboxWorker;
    }

    /** IMAP IDLE push of the service; null in CLI one-shots. */
    public IdleWatchers idleWatchers() {
        return idleWatchers;
    }

    public FetchSessions sessions() {
        return sessions;
    }

    /** One session now, in this process, waiting for the account's lease if another process holds it. */
    public SessionSummary fetchOnce(long accountId) {
        ProducerTemplate template = camel().createProducerTemplate();
        return template.requestBodyAndHeaders(FetchSessions.ENDPOINT, null,
                Map.of(FetchSessions.ACCOUNT_ID, accountId, FetchSessions.TRIGGER, FetchSessions.Trigger.CLI.name()),
                SessionSummary.class);
    }

    @Override
    public void close() throws Exception {
        if (idleWatchers != null) {
            idleWatchers.close();
        }
        signIns.close();
        main.stop();
        fsyncPool.shutdown();
        commitPool.shutdown();
        leaseRenewer.shutdown();
    }
}
