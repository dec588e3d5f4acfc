package org.mailfetch.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.mailfetch.cluster.RowClaim;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.EnvelopeAddress;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;
import org.mailfetch.store.NotFound;
import org.mailfetch.store.PrivateFiles;
import org.mailfetch.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox for routed mail. {@link #enqueue} is the chain's step for routed recipients:
 * per route, the message (trace headers + original bytes) is written to
 * {@code <spool-root>/outbox/<id>.eml}, fsynced, renamed, its directory fsynced, and only then is the
 * row committed (H2 WRITE_DELAY=0: durable on return). All this happens before the session may
 * record the UIDL in the ledger, so the external server never deletes a message that is neither
 * sent nor safely queued. A message fetched again after a crash finds its row (one per account,
 * UIDL and route) and is not queued twice.
 *
 * <p>Several nodes: the message stays a file, on storage every node mounts ({@code mailfetch.spool.root},
 * default the data dir), rather than moving into the database. Data safety decided it: the file keeps
 * the write path that is proven here (fsync, rename, directory fsync, then the row), is streamed both
 * ways whatever its size (up to 100 MiB), and the database holds no message bytes — PostgreSQL's JDBC
 * driver reads a {@code bytea} value whole into memory, its large objects are PostgreSQL-only and leak
 * when a row goes without {@code lo_unlink}, and H2's BLOBs behave differently again: three code paths
 * for the one thing that must not fail. The spool root is recorded in the database like the Maildir
 * root ({@code SharedRoots}), so no node works on a spool the others cannot see. Rows are sent under a
 * {@link RowClaim} each: never by two nodes at once, taken over when a node dies.
 */
public final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Database db;
    private final Path dir;
    private final Clock clock;
    private final String claimer;

    /** {@code spoolRoot}: holds outbox/ (mailfetch.spool.root); {@code claimer}: this process, "node/pid". */
    public Outbox(Database db, Path spoolRoot, Clock clock, String claimer) {
        this.db = db;
        this.dir = spoolRoot.resolve("outbox");
        this.clock = clock;
        this.claimer = claimer;
    }

    public Path file(OutboxEntry e) {
        return dir.resolve(e.fileName());
    }

    /** The step of the chain: queues the message once per route of its routed recipients. */
    public void enqueue(FetchedMessage message) throws IOException {
        Map<String, List<String>> byDomain = new LinkedHashMap<>();
        for (MailAddress a : message.routedRecipients()) {
            byDomain.computeIfAbsent(a.domain(), d -> new ArrayList<>()).add(a.toString());
        }
        for (Map.Entry<String, List<String>> route : byDomain.entrySet()) {
            long accountId = message.account().id();
            if (!db.query("SELECT id FROM outbox WHERE account_id = ? AND uidl = ? AND route_domain = ?",
                    rs -> rs.getLong(1), accountId, message.deliveryKey(), route.getKey()).isEmpty()) {
                LOG.info("already in the outbox for {} (queued before an interruption)", route.getKey());
                continue;
            }
            long id = queue(message, route.getKey(), route.getValue());
            route.getValue().forEach(r -> message.deliveredVia("smtp"));
            LOG.info("queued as outbox {} for {} via route {}", id, route.getValue(), route.getKey());
        }
    }

    private long queue(FetchedMessage message, String domain, List<String> recipients) throws IOException {
        PrivateFiles.createDirectories(dir);
        long id;
        try (Connection c = db.connection()) {
            id = db.nextId(c);
        } catch (SQLException e) {
            throw new StoreException("cannot allocate an outbox id: " + e.getMessage(), e);
        }
        String name = id + ".eml";
        Path tmp = dir.resolve(name + ".tmp");
        // the routed copy carries what the local copies carry on top (scan results) plus the loop guard
        byte[] trace = (TraceHeaders.routed(message.account().id(), domain)
                + TraceHeaders.account(message) + message.topHeaderBlock()).getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream os = Channels.newOutputStream(out);
             InputStream in = message.content()) {
            os.write(trace);
            in.transferTo(os);
            out.force(true);
        }
        long size = Files.size(tmp);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        // millisecond precision: the database may round finer fractions up, which would make "now" not yet due
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = Database.prepare(c, "INSERT INTO outbox (id, account_id, uidl, route_domain,"
                    + " envelope_from, file_name, size_bytes, state, attempts, created_at, next_attempt_at)"
                    + " VALUES (?,?,?,?,?,?,?,?,0,?,?)", id, message.account().id(), message.deliveryKey(), domain,
                    envelopeFrom(message), name, size, OutboxEntry.State.WAITING.name(), now, now)) {
                ps.executeUpdate();
            }
            writeRecipients(c, id, recipients, List.of());
            c.commit();
        } catch (SQLException e) {
            // No row names the file: left behind, every re-fetch of the message would leave another one.
            try {
                Files.deleteIfExists(dir.resolve(name));
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new StoreException("cannot queue outbox entry " + id + ": " + e.getMessage(), e);
        }
        return id;
    }

    /**
     * The original sender: Return-Path as the external server wrote it, else From; the owner when
     * neither names one. {@code <>} for bounces, and for a sender that cannot go into an envelope as
     * it is (a folded value smuggling a second command line, spaces, non-ASCII: SMTPUTF8 is not
     * negotiated): such a sender is never repaired or guessed at.
     */
    static String envelopeFrom(FetchedMessage message) {
        for (String header : new String[] {"Return-Path", "From"}) {
            for (String value : message.header(header)) {
                String v = value.trim();
                if (header.equals("Return-Path") && v.replace(" ", "").replace("\t", "").equals("<>")) {
                    return EnvelopeAddress.NULL_SENDER;
                }
                if (v.length() > HEADER_VALUE_LIMIT) {
                    return EnvelopeAddress.NULL_SENDER;
                }
                try {
                    InternetAddress[] parsed = InternetAddress.parseHeader(v, false);
                    if (parsed.length > 0 && parsed[0].getAddress() != null && parsed[0].getAddress().contains("@")) {
                        String address = parsed[0].getAddress();
                        return EnvelopeAddress.isSafe(address) ? address : EnvelopeAddress.NULL_SENDER;
                    }
                } catch (AddressException | RuntimeException unparsable) {
                    // try the next header. RuntimeException too, as HeaderAddresses does: Jakarta Mail's
                    // header parsers have thrown them on hostile input (InternetHeaders on a folded first line)
                }
            }
        }
        return message.account().ownerAddress();
    }

    /** Sender headers longer than this are not parsed: no real address needs it. */
    private static final int HEADER_VALUE_LIMIT = 4096;

    public List<OutboxEntry> list() {
        return select("ORDER BY id");
    }

    /** Waiting entries whose next try has come and that no node is working on. */
    public List<OutboxEntry> due(Instant now) {
        return select("WHERE state = 'WAITING' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
                + " ORDER BY next_attempt_at, id", now, now);
    }

    /**
     * Takes a due entry for one attempt, so that no other node, nor the service's worker and a CLI
     * {@code outbox send} (or {@code account fetch}) on one node, sends it at the same time; empty when
     * another took it first or it is not due any more. The claim is renewed while the attempt runs;
     * a process that dies mid-attempt leaves the entry to the others once its claim runs out.
     * {@code clock}: the worker's, which judges what is due.
     */
    Optional<RowClaim.Held> claim(long id, Clock clock) {
        return new RowClaim(db, "outbox", claimer, clock).take(id, "state = 'WAITING' AND next_attempt_at <= ?",
                clock.instant());
    }

    /** Who works on entry {@code id} now ("node/pid"), or null. */
    public String claimedBy(long id) {
        return new RowClaim(db, "outbox", claimer, clock).holder(id);
    }

    public Optional<OutboxEntry> get(long id) {
        return select("WHERE id = ?", id).stream().findFirst();
    }

    /** `outbox retry ID`: a waiting or failed entry is tried again at the worker's next run. */
    public void retry(long id) {
        OutboxEntry e = get(id).orElseThrow(() -> new NotFound("no outbox entry " + id));
        if (e.state() == OutboxEntry.State.SENT) {
            throw new Conflict("outbox entry " + id + " was sent already");
        }
        if (!Files.exists(file(e))) {
            throw new Conflict("outbox entry " + id + " has lost its message file " + file(e));
        }
        List<String> recipients = e.recipients();
        if (e.state() == OutboxEntry.State.FAILED) {
            recipients = e.failedRecipients().isEmpty() ? e.recipients() : e.failedRecipients();
        }
        record(id, recipients, List.of(), "UPDATE outbox SET state = 'WAITING', attempts = 0, next_attempt_at = ?"
                + " WHERE id = ?", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), id);
    }

    /**
     * Records an attempt: what is left to send, what failed for good, the new state and next try, and
     * frees the entry. False (nothing recorded) when this process's claim ran out and another took it over.
     */
    boolean update(OutboxEntry e, List<String> left, List<String> failed, OutboxEntry.State state, int attempts,
                Instant next, String error) {
        return record(e.id(), left, failed, "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
                + RowClaim.CLEAR + " WHERE id = ? AND " + RowClaim.HELD, state.name(), attempts, next,
                error == null ? null : error.length() > 2000 ? error.substring(0, 2000) : error, e.id(), claimer);
    }

    /**
     * Runs {@code sql} on the outbox row and replaces its recipient lists, in one transaction; when
     * {@code sql} changed no row, nothing is changed and the answer is false.
     */
    private boolean record(long id, List<String> toSend, List<String> failed, String sql, Object... args) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = Database.prepare(c, sql, args)) {
                if (ps.executeUpdate() == 0) {
                    c.rollback();
                    return false;
                }
            }
            try (PreparedStatement ps = Database.prepare(c, "DELETE FROM outbox_recipient WHERE outbox_id = ?", id)) {
                ps.executeUpdate();
            }
            writeRecipients(c, id, toSend, failed);
            c.commit();
            return true;
        } catch (SQLException ex) {
            throw new StoreException("cannot update outbox entry " + id + ": " + ex.getMessage(), ex);
        }
    }

    /** One row per recipient and list: a recipient is never joined with another into one string. */
    private static void writeRecipients(Connection c, long id, List<String> toSend, List<String> failed)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO outbox_recipient (outbox_id, list_name, seq, recipient) VALUES (?, ?, ?, ?)")) {
            for (var list : Map.of(TO_SEND, toSend, FAILED, failed).entrySet()) {
                int seq = 0;
                for (String r : list.getValue()) {
                    ps.setLong(1, id);
                    ps.setString(2, list.getKey());
                    ps.setInt(3, seq++);
                    ps.setString(4, r);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static final String TO_SEND = "TO_SEND";
    private static final String FAILED = "FAILED";

    private List<OutboxEntry> select(String where, Object... args) {
        return db.query("SELECT id, account_id, uidl, route_domain, envelope_from,"
                + " file_name, size_bytes, state, attempts, created_at, next_attempt_at, last_error FROM outbox " + where,
                rs -> new OutboxEntry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        recipients(rs.getLong(1), TO_SEND), recipients(rs.getLong(1), FAILED), rs.getString(6),
                        rs.getLong(7), OutboxEntry.State.valueOf(rs.getString(8)), rs.getInt(9),
                        rs.getTimestamp(10).toInstant(), rs.getTimestamp(11).toInstant(), rs.getString(12)), args);
    }

    private List<String> recipients(long id, String list) {
        return db.query("SELECT recipient FROM outbox_recipient WHERE outbox_id = ? AND list_name = ? ORDER BY seq",
                rs -> rs.getString(1), id, list);
    }
}
