package org.mailfetch.cluster;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

import org.mailfetch.config.Settings;
import org.mailfetch.mail.Printable;
import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node of one database delivers into the same Maildir tree ({@value Settings#MAILDIR_ROOT})
 * and queues into the same spool ({@value Settings#SPOOL_ROOT}: outbox/ and quarantine/). A node
 * configured with another tree would deliver mail where the mail store never looks, and would not
 * see the deterministic file names that keep a re-fetched message from being delivered twice; a
 * node with another spool would report outbox entries and quarantined mail whose files it cannot
 * read. So the first node records both in {@code cluster_setting}, and a node configured otherwise
 * refuses to start, naming both values.
 *
 * <p>With a shared database ({@value Settings#DB_URL} set) both keys must be set explicitly, as
 * absolute paths on storage every node mounts at the same place: a default under each node's own
 * data dir would silently split the mail. On the embedded database an unset key is recorded as its
 * default ({@code <data-dir>/mailboxes}, {@code <data-dir>}), which moves with the data dir.
 *
 * <p>Moving a tree on purpose: stop every node, move the files, then start one node with the new
 * value and {@code <key>-moved-from=<recorded value>}; it records the new value (the others then
 * start with the new value alone).
 */
public final class SharedRoots {

    private static final Logger LOG = LoggerFactory.getLogger(SharedRoots.class);

    static final String MAILDIR_DEFAULT = "<data-dir>/mailboxes";
    static final String SPOOL_DEFAULT = "<data-dir>";

    private SharedRoots() {
    }

    /** Records or checks both roots; an IllegalStateException (naming key and values) refuses the start. */
    public static void check(Settings settings, Database db, Node node, Clock clock) {
        boolean shared = settings.optional(Settings.DB_URL).isPresent();
        // what the settings alone can tell comes first, for both keys
        require(settings, shared, Settings.MAILDIR_ROOT, "the Maildir tree");
        require(settings, shared, Settings.SPOOL_ROOT, "the outbox and quarantine spool");
        agree(settings, db, node, clock, Settings.MAILDIR_ROOT, MAILDIR_DEFAULT, "Maildir tree");
        agree(settings, db, node, clock, Settings.SPOOL_ROOT, SPOOL_DEFAULT, "outbox and quarantine spool");
    }

    private static void require(Settings settings, boolean shared, String key, String what) {
        Optional<String> configured = settings.optional(key);
        if (configured.isEmpty() && shared) {
            throw new IllegalStateException(Settings.DB_URL + " is set (a database shared by several nodes), so " + key
                    + " must be set too: the absolute path of " + what + " on storage every node mounts at the same"
                    + " place (README, Several nodes)");
        }
        if (configured.isPresent() && !Path.of(configured.get()).isAbsolute()) {
            throw new IllegalStateException(key + " must be an absolute path, got \"" + Printable.of(configured.get())
                    + "\"");
        }
    }

    private static void agree(Settings settings, Database db, Node node, Clock clock, String key, String defaultValue,
                              String what) {
        Optional<String> configured = settings.optional(key);
        String value = configured.map(v -> Path.of(v).normalize().toString()).orElse(defaultValue);
        Optional<Recorded> recorded = recorded(db, key);
        if (recorded.isEmpty()) {
            try {
                db.update("INSERT INTO cluster_setting (setting_name, setting_value, recorded_by, recorded_at)"
                        + " VALUES (?, ?, ?, ?)", key, value, node.name(), clock.instant());
                LOG.info("{} = {}: recorded in the database by node {}", key, Printable.of(value), node.name());
                return;
            } catch (Conflict anotherNodeFirst) {
                recorded = recorded(db, key); // two first nodes at once: the other one's value counts
            }
        }
        Recorded r = recorded.orElseThrow();
        if (r.value().equals(value)) {
            return;
        }
        Optional<String> movedFrom = settings.optional(key + "-moved-from");
        if (movedFrom.isPresent() && movedFrom.get().equals(r.value())
                && db.update("UPDATE cluster_setting SET setting_value = ?, recorded_by = ?, recorded_at = ?"
                        + " WHERE setting_name = ? AND setting_value = ?", value, node.name(), clock.instant(), key,
                        r.value()) == 1) {
            LOG.warn("{} moved from {} to {} by node {}: start the other nodes with the new value", key,
                    Printable.of(r.value()), Printable.of(value), node.name());
            return;
        }
        throw new IllegalStateException(key + " is \"" + Printable.of(value) + "\" on node " + node.name()
                + ", but the database records \"" + Printable.of(r.value()) + "\" (set by node " + r.node() + "):"
                + " every node must use the same " + what + ". Set " + key + " to the recorded value; or, if the files"
                + " were moved there with every node stopped, start once with " + key + "-moved-from="
                + Printable.of(r.value()));
    }

    /** The setting under which the check value of the secrets' key is recorded. */
    static final String KEY_CHECK = "mailfetch.key-check";

    /**
     * On a shared database: every node must hold the key the stored secrets are encrypted with
     * ({@code MAILFETCH_KEY} or {@code <data-dir>/mailfetch.key}). The first node records the key's
     * check value; a node with another key refuses to start, before it could store a secret that no
     * other node can read (or fail every login with "cannot decrypt"). Nothing on the embedded database,
     * whose key file lives beside it.
     */
    public static void checkKey(Settings settings, Database db, Node node, Clock clock, String keyCheck) {
        if (settings.optional(Settings.DB_URL).isEmpty()) {
            return;
        }
        Optional<Recorded> recorded = recorded(db, KEY_CHECK);
        if (recorded.isEmpty()) {
            try {
                db.update("INSERT INTO cluster_setting (setting_name, setting_value, recorded_by, recorded_at)"
                        + " VALUES (?, ?, ?, ?)", KEY_CHECK, keyCheck, node.name(), clock.instant());
                return;
            } catch (Conflict anotherNodeFirst) {
                recorded = recorded(db, KEY_CHECK);
            }
        }
        Recorded r = recorded.orElseThrow();
        if (!r.value().equals(keyCheck)) {
            throw new IllegalStateException("node " + node.name() + " holds another key than the one the stored"
                    + " passwords and tokens are encrypted with (recorded by node " + r.node() + "): give every node"
                    + " the same key, MAILFETCH_KEY or a copy of " + "<data-dir>/mailfetch.key (0600) from node "
                    + r.node() + " (README, Several nodes)");
        }
    }

    private record Recorded(String value, String node) {}

    private static Optional<Recorded> recorded(Database db, String key) {
        return db.query("SELECT setting_value, recorded_by FROM cluster_setting WHERE setting_name = ?",
                rs -> new Recorded(rs.getString(1), rs.getString(2)), key).stream().findFirst();
    }
}
