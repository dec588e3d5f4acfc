package org.mailfetch.cluster;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the account triggers are kept. On the embedded H2 database (one node) in memory, as ever. On
 * PostgreSQL in Quartz's clustered JDBC JobStore in the same database: every node has every account's
 * route, but each trigger fires on one node only, and a node that stops checking in has its triggers
 * (and, with {@code recoverableJob}, its running sessions' jobs) taken over by the others.
 */
public final class Scheduling {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduling.class);

    /** How often a node checks in; a node silent for this plus Quartz's 7.5 s grace is taken over. */
    public static final String CHECKIN_INTERVAL = "mailfetch.cluster.checkin-interval";
    /** Quartz's setting that makes the JobStore clustered. */
    static final String CLUSTERED = "org.quartz.jobStore.isClustered";

    private final boolean clustered;
    private final String instanceId;
    /** This node takes account timers (cluster: once its routes are built). */
    private volatile boolean takingTimers;

    private Scheduling(boolean clustered, String instanceId) {
        this.clustered = clustered;
        this.instanceId = instanceId;
    }

    /** Clustered exactly when the database is PostgreSQL ({@code postgres}): the store every node shares. */
    public static Scheduling of(boolean postgres, String nodeName) {
        // unique per process even if two nodes were given one name: Quartz recovers a dead instance by its id
        String id = nodeName + "-" + Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36);
        return new Scheduling(postgres, id);
    }

    public boolean clustered() {
        return clustered;
    }

    /** Whether this node takes account timers yet (on one node: from the start). */
    public boolean takingTimers() {
        return !clustered || takingTimers;
    }

    /** This process's Quartz instance id (node name and a random suffix); in the cluster's member list. */
    public String instanceId() {
        return instanceId;
    }

    /**
     * Camel's Quartz component. Its pool is sized to the session cap, so that no due account waits
     * for a thread (Quartz's own default is 10).
     */
    public QuartzComponent component(int threads, DataSource db, Duration checkin) {
        QuartzComponent quartz = new QuartzComponent();
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "mailfetch");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
        // a first fire a millisecond early must not be skipped by Camel's job (OnTimeJobFactory says why)
        p.setProperty("org.quartz.scheduler.jobFactory.class", OnTimeJobFactory.class.getName());
        if (!clustered) {
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        } else {
            // Quartz takes its connections from mailfetch's pool, registered under a name of this process
            String dataSource = "mailfetch-" + instanceId;
            DBConnectionManager.getInstance().addConnectionProvider(dataSource, new PoolConnections(db));
            p.setProperty("org.quartz.scheduler.instanceId", instanceId);
            p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
            p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
            p.setProperty("org.quartz.jobStore.dataSource", dataSource);
            p.setProperty(CLUSTERED, "true");
            p.setProperty("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(checkin.toMillis()));
            // nodes acquiring at once serialise on Quartz's row lock instead of racing for the same triggers
            p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
            // the shared tables hold every account's trigger: a node starting up takes none before its
            // reconciler has built the routes (routesBuilt), or they would fire where no route runs yet
            quartz.setAutoStartScheduler(false);
        }
        quartz.setProperties(p);
        return quartz;
    }

    /**
     * Called after each pass of the accounts' reconciler. On a cluster the first pass that finds the
     * Quartz scheduler made (by the first account route) starts it: from then on this node takes
     * account timers, each of whose routes it has built. On one node the scheduler started with Camel.
     */
    public void routesBuilt(CamelContext camel) {
        if (!clustered || takingTimers || camel == null) {
            return;
        }
        Scheduler scheduler = camel.hasComponent("quartz") instanceof QuartzComponent q ? q.getScheduler() : null;
        if (scheduler == null) {
            return; // no account route yet
        }
        try {
            if (!scheduler.isStarted()) {
                scheduler.start();
                LOG.info("account routes built: this node takes account timers from now on");
            }
            takingTimers = true;
        } catch (SchedulerException | RuntimeException e) {
            LOG.warn("cannot start taking account timers (tried again after the next reconcile): {}", e.getMessage());
        }
    }

    /** Quartz's view of mailfetch's connection pool. */
    private record PoolConnections(DataSource db) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return db.getConnection();
        }

        @Override
        public void shutdown() {
            // the pool is mailfetch's, closed with the database
        }

        @Override
        public void initialize() {
            // nothing: the pool exists before the scheduler
        }
    }
}
