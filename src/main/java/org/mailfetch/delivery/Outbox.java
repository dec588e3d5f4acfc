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
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.mailfetch.fetch.FetchedMessage;
import org.mailfetch.recipient.MailAddress;
import org.mailfetch.recipient.RecipientResolver;
import org.mailfetch.store.Database;
import org.mailfetch.store.PrivateFiles;
import org.mailfetch.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox for routed mail. {@link #enqueue} is the chain's step for routed recipients:
 * per route, the message (trace headers + original bytes) is written to
 * {@code <data-dir>/outbox/<id>.eml}, fsynced, renamed, its directory fsynced, and only then is the
 * row committed (H2 WRITE_DELAY=0: durable on return). All this happens before the session may
 * record the UIDL in the ledger, so the external server never deletes a message that is neither
 * sent nor safely queued. A message fetched again after a crash finds its row (one per account,
 * UIDL and route) and is not queued twice.
 */
public final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Database db;
    private final Path dir;
    private final Clock clock;

    public Outbox(Database db, Path dataDir, Clock clock) {
        this.db = db;
        this.dir = dataDir.resolve("outbox");
        this.clock = clock;
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
                    rs -> rs.getLong(1), accountId, message.uidl(), route.getKey()).isEmpty()) {
                LOG.info("{}: UIDL {} is already in the outbox for {} (queued before an interruption)",
                        message.account().label(), message.uidl(), route.getKey());
                continue;
            }
            long id = queue(message, route.getKey(), route.getValue());
            route.getValue().forEach(r -> message.deliveredVia("smtp"));
            LOG.info("{}: UIDL {} queued as outbox {} for {} via route {}", message.account().label(), message.uidl(),
                    id, route.getValue(), route.getKey());
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
        byte[] trace = (RecipientResolver.routedTrace(message.account().id(), domain)
                + LocalDelivery.traceHeader(message) + message.topHeaderBlock()).getBytes(StandardCharsets.UTF_8);
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
        db.update("INSERT INTO outbox (id, account_id, uidl, route_domain, envelope_from, recipients, file_name,"
                        + " size_bytes, state, attempts, created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,0,?,?)",
                id, message.account().id(), message.uidl(), domain, envelopeFrom(message), String.join(",", recipients),
                name, size, OutboxEntry.State.WAITING.name(), now, now);
        return id;
    }

    /** The original sender: Return-Path as the external server wrote it, else From; {@code <>} for bounces. */
    static String envelopeFrom(FetchedMessage message) {
        for (String header : new String[] {"Return-Path", "From"}) {
            for (String value : message.header(header)) {
                String v = value.trim();
                if (header.equals("Return-Path") && v.replaceAll("\\s", "").equals("<>")) {
                    return "<>";
                }
                try {
                    InternetAddress[] parsed = InternetAddress.parseHeader(v, false);
                    if (parsed.length > 0 && parsed[0].getAddress() != null && parsed[0].getAddress().contains("@")) {
                        return parsed[0].getAddress();
                    }
                } catch (AddressException ignored) {
                    // try the next header
                }
            }
        }
        return message.account().ownerAddress();
    }

    public List<OutboxEntry> list() {
        return select("ORDER BY id");
    }

    public List<OutboxEntry> due(Instant now) {
        return select("WHERE state = 'WAITING' AND next_attempt_at <= ? ORDER BY next_attempt_at, id", now);
    }

    public Optional<OutboxEntry> get(long id) {
        return select("WHERE id = ?", id).stream().findFirst();
    }

    /** `outbox retry ID`: a waiting or failed entry is tried again at the worker's next run. */
    public void retry(long id) {
        OutboxEntry e = get(id).orElseThrow(() -> new StoreException("no outbox entry " + id));
        if (e.state() == OutboxEntry.State.SENT) {
            throw new StoreException("outbox entry " + id + " was sent already");
        }
        if (!Files.exists(file(e))) {
            throw new StoreException("outbox entry " + id + " has lost its message file " + file(e));
        }
        List<String> recipients = new ArrayList<>(e.recipients());
        if (e.state() == OutboxEntry.State.FAILED) {
            recipients = e.failedRecipients().isEmpty() ? e.recipients() : e.failedRecipients();
        }
        db.update("UPDATE outbox SET state = 'WAITING', attempts = 0, next_attempt_at = ?, recipients = ?,"
                + " failed_recipients = NULL WHERE id = ?", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), String.join(",", recipients), id);
    }

    /** Records an attempt: what is left to send, what failed for good, the new state and next try. */
    void update(OutboxEntry e, List<String> left, List<String> failed, OutboxEntry.State state, int attempts,
                Instant next, String error) {
        db.update("UPDATE outbox SET recipients = ?, failed_recipients = ?, state = ?, attempts = ?, next_attempt_at = ?,"
                        + " last_error = ? WHERE id = ?", String.join(",", left),
                failed.isEmpty() ? null : String.join(",", failed), state.name(), attempts, next,
                error == null ? null : error.length() > 2000 ? error.substring(0, 2000) : error, e.id());
    }

    private List<OutboxEntry> select(String where, Object... args) {
        return db.query("SELECT id, account_id, uidl, route_domain, envelope_from, recipients, failed_recipients,"
                + " file_name, size_bytes, state, attempts, created_at, next_attempt_at, last_error FROM outbox " + where,
                rs -> new OutboxEntry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        split(rs.getString(6)), split(rs.getString(7)), rs.getString(8), rs.getLong(9),
                        OutboxEntry.State.valueOf(rs.getString(10)), rs.getInt(11), rs.getTimestamp(12).toInstant(),
                        rs.getTimestamp(13).toInstant(), rs.getString(14)), args);
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isBlank() ? List.of() : Arrays.asList(csv.split(","));
    }
}
