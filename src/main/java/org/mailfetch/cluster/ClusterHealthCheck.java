package org.mailfetch.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A node's membership of the cluster, on /observe/health: UP while this node's Quartz instance has
 * checked in lately (so the others do not take its accounts over), with the members and the seconds
 * since each checked in; DOWN if it has not, e.g. while the database is out of reach. A node still
 * building its account routes at start-up has not joined yet (it takes no timers before): that is
 * UP, "joining" — the account-routes check says how far it got and turns DOWN if it stalls.
 */
public final class ClusterHealthCheck extends AbstractHealthCheck {

    private final DataSource db;
    private final String instanceId;
    private final Duration checkin;
    private final Clock clock;
    private final BooleanSupplier joined;

    /** {@code joined}: this node has started taking account timers (and so checking in). */
    public ClusterHealthCheck(DataSource db, String instanceId, Duration checkin, Clock clock, BooleanSupplier joined) {
        super("mailfetch", "cluster");
        this.db = db;
        this.instanceId = instanceId;
        this.checkin = checkin;
        this.clock = clock;
        this.joined = joined;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Map<String, Long> members;
        try {
            members = ClusterMembers.read(db);
        } catch (Exception e) {
            builder.message("cannot read the cluster's members: " + e.getMessage()).error(e).down();
            return;
        }
        long now = clock.millis();
        StringJoiner list = new StringJoiner(", ");
        for (Map.Entry<String, Long> m : new TreeMap<>(members).entrySet()) {
            list.add(m.getKey() + " (" + Math.max(0, (now - m.getValue()) / 1000) + " s ago)");
        }
        builder.detail("instance", instanceId);
        builder.detail("members", list.toString());
        Long mine = members.get(instanceId);
        // Quartz takes a node over when it is silent for the interval plus 7.5 s
        long late = checkin.toMillis() + 7_500;
        if (mine == null && !joined.getAsBoolean()) {
            builder.message("joining: this node takes account timers once it has built its account routes; members: "
                    + list).up();
        } else if (mine == null) {
            builder.message("this node (" + instanceId + ") has not checked in to the cluster; members: " + list).down();
        } else if (now - mine > late) {
            builder.message("this node (" + instanceId + ") last checked in at " + Instant.ofEpochMilli(mine)
                    + ": the others may take its accounts over; members: " + list).down();
        } else {
            builder.message(members.size() + " nodes: " + list).up();
        }
    }
}
