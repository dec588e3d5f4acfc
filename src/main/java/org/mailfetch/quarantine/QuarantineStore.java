package org.mailfetch.quarantine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.mailfetch.cluster.RowClaim;
import org.mailfetch.delivery.DeliveryBatch;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.delivery.MaildirMailbox;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.Conflict;
import org.mailfetch.store.Database;
import org.mailfetch.store.NotFound;
import org.mailfetch.store.PrivateFiles;
import org.mailfetch.store.StoreException;

/**
 * Quarantined mail: one file per message under {@code <spool-root>/quarantine/} (written to its tmp/,
 * made durable with the session's batch) and one {@code quarantine_item} row, committed after the
 * file is durable and before the message's ledger row, so the server copy is deleted only when
 * both exist. Release delivers the file to the owner's inbox durably, then forgets it.
 *
 * <p>Several nodes: the files live on the shared spool root (mailfetch.spool.root; why files and not
 * database rows: see {@code Outbox}), and a release or delete holds a {@link RowClaim} on the item,
 * so two nodes (or two admins) never work on one item at once; the second is told who has it, or
 * that it is gone. A node that dies mid-release leaves the claim to run out; the release is then
 * repeated safely (the delivered file is recognised by its name).
 */
public final class QuarantineStore {

    private final Database db;
    private final Path dir;
    private final Path mailboxesDir;
    private final FilePermissions permissions;
    private final RowClaim claims;

    /** The data dir's default layout ({@code quarantine/} and {@code mailboxes/} under it), for this process. */
    public QuarantineStore(Database db, Path dataDir, FilePermissions permissions) {
        this(db, dataDir, dataDir.resolve("mailboxes"), permissions,
                "local/" + ProcessHandle.current().pid(), Clock.systemUTC());
    }

    /** {@code spoolRoot} holds quarantine/; {@code claimer}: this process, "node/pid". */
    public QuarantineStore(Database db, Path spoolRoot, Path mailboxesDir, FilePermissions permissions, String claimer,
                           Clock clock) {
        this.db = db;
        this.dir = spoolRoot.resolve("quarantine");
        this.mailboxesDir = mailboxesDir;
        this.permissions = permissions;
        this.claims = new RowClaim(db, "quarantine_item", claimer, clock);
    }

    public Path dir() {
        return dir;
    }

    /** A new id for an item about to be staged (named in the owner's notice before the row exists). */
    public long nextId() {
        try (var c = db.connection()) {
            return db.nextId(c);
        } catch (SQLException e) {
            throw new StoreException("cannot allocate a quarantine id: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code header} and the message to quarantine/tmp/; the returned entry joins the
     * session's batch, which fsyncs it and renames it into quarantine/.
     */
    public DeliveryBatch.Staged stage(String fileName, byte[] header, InputStream message) throws IOException {
        Path tmpDir = dir.resolve("tmp");
        PrivateFiles.createDirectories(tmpDir);
        Path tmp = tmpDir.resolve(fileName);
        try (OutputStream out = Channels.newOutputStream(PrivateFiles.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING))) {
            out.write(header);
            message.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return new DeliveryBatch.Staged(null, tmp, dir.resolve(fileName), fileName);
    }

    /**
     * Records an item whose file is durable. A second record of the same account and UIDL (the
     * session was interrupted before its ledger row was committed) keeps the first.
     */
    public void record(QuarantineItem i) {
        db.update("INSERT INTO quarantine_item (id, account_id, uidl, owner_address, kind, reason, sender, subject,"
                        + " size_bytes, file_name, quarantined_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS"
                        + " (SELECT 1 FROM quarantine_item WHERE account_id = ? AND uidl = ?)",
                i.id(), i.accountId(), i.uidl(), i.ownerAddress(), i.kind(), cut(i.reason()), cut(i.sender()),
                cut(i.subject()), i.size(), i.fileName(), i.quarantinedAt(), i.accountId(), i.uidl());
    }

    public List<QuarantineItem> list() {
        return db.query("SELECT * FROM quarantine_item ORDER BY id", QuarantineStore::read);
    }

    public Optional<QuarantineItem> get(long id) {
        return db.query("SELECT * FROM quarantine_item WHERE id = ?", QuarantineStore::read, id).stream().findFirst();
    }

    /**
     * Delivers the item to its owner's inbox — fsynced, renamed into new/, directory fsynced — and
     * only then removes the record and the file. Returns the delivered file.
     */
    public Path release(long id) throws IOException {
        QuarantineItem item = require(id);
        RowClaim.Held held = claim(id);
        try (held) {
            Path file = dir.resolve(item.fileName());
            MaildirMailbox mailbox = new MaildirMailbox(mailboxesDir, MailAddress.parse(item.ownerAddress()), permissions);
            Path delivered = mailbox.root().resolve("new").resolve(item.fileName());
            if (!mailbox.contains(item.fileName())) {
                ExecutorService fsync = Executors.newSingleThreadExecutor();
                try {
                    DeliveryBatch batch = new DeliveryBatch(fsync);
                    try (InputStream in = Files.newInputStream(file)) {
                        batch.add(mailbox.stage(item.fileName(), new byte[0], in, item.quarantinedAt()));
                    }
                    batch.commit();
                } finally {
                    fsync.shutdown();
                }
            }
            forget(item, held);
            return delivered;
        } catch (IOException | RuntimeException e) {
            freeAfterFailure(held, e);
            throw e;
        }
    }

    /** Removes the record, then the file: the message is gone for good. */
    public void delete(long id) throws IOException {
        QuarantineItem item = require(id);
        RowClaim.Held held = claim(id);
        try (held) {
            forget(item, held);
        } catch (IOException | RuntimeException e) {
            freeAfterFailure(held, e);
            throw e;
        }
    }

    /**
     * A failed release or delete frees the item at once, so the admin can try again without waiting
     * for the claim to run out: both are safe to repeat (a delivered file is recognised by its name).
     */
    private static void freeAfterFailure(RowClaim.Held held, Exception failure) {
        try {
            held.release();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** The item for this process alone; a Conflict naming the node that has it, or NotFound once it is gone. */
    private RowClaim.Held claim(long id) {
        return claims.take(id, null).orElseThrow(() -> {
            String holder = claims.holder(id);
            if (holder == null && get(id).isEmpty()) {
                return new NotFound("no quarantined message with id " + id + " (released or deleted meanwhile)");
            }
            return new Conflict("quarantined message " + id + " is being released or deleted by "
                    + (holder == null ? "another node" : holder) + "; try again");
        });
    }

    /** Removes the record (only while this process holds it), then the file. */
    private void forget(QuarantineItem item, RowClaim.Held held) throws IOException {
        held.close();
        if (db.update("DELETE FROM quarantine_item WHERE id = ? AND " + RowClaim.HELD, item.id(), claims.claimer()) == 0) {
            throw new Conflict("quarantined message " + item.id() + ": this node's claim ran out and another node took"
                    + " it over; try again");
        }
        Files.deleteIfExists(dir.resolve(item.fileName()));
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private QuarantineItem require(long id) {
        return get(id).orElseThrow(() -> new NotFound("no quarantined message with id " + id));
    }

    private static String cut(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 997) + "...";
    }

    private static QuarantineItem read(ResultSet rs) throws SQLException {
        return new QuarantineItem(rs.getLong("id"), rs.getLong("account_id"), rs.getString("uidl"),
                rs.getString("owner_address"), rs.getString("kind"), rs.getString("reason"), rs.getString("sender"),
                rs.getString("subject"), rs.getLong("size_bytes"), rs.getString("file_name"),
                rs.getTimestamp("quarantined_at").toInstant());
    }
}
