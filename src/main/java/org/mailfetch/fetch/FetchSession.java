package org.mailfetch.fetch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import org.mailfetch.mail.Account;
import org.mailfetch.delivery.DeliveryBatch;
import org.mailfetch.delivery.DeliverySession;
import org.mailfetch.delivery.LmtpConnections;
import org.mailfetch.delivery.MaildirMailbox;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.MessageLog;
import org.mailfetch.store.PrivateFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.mail.FetchedMessage;

/**
 * One account's run over an open {@link Retriever} (POP3 today), free of protocol detail. Iterating
 * yields each message whose ledger key (the UIDL) is not in the ledger, already streamed to a spool file. Delivered messages are group-committed: their
 * Maildir files made durable, then their ledger rows committed. {@link #finish()} then marks every
 * listed message that is due under the delete mode (including ones recorded by an earlier,
 * interrupted session) and ends the connection, which applies the deletions (POP3: DELE, then QUIT).
 *
 * <p>What a hostile or broken server can do is bounded here: a message larger than
 * mailfetch.fetch.max-message-size (by LIST, or by what streams) stays on the server; a message whose
 * download fails is reported, the connection replaced and the rest fetched, and after
 * mailfetch.fetch.message-failures-before-skip failing sessions in a row it is skipped; a message
 * shorter than its LIST size is not recorded; a reused UIDL is a new message; the session ends at
 * its deadline; low disk stops it. In every case what is durable is committed and only that is DELE'd.
 */
public final class FetchSession implements Iterable<FetchedMessage>, DeliverySession {

    private static final Logger LOG = LoggerFactory.getLogger(FetchSession.class);
    /** After this many failed messages in a row the server itself is broken: the session stops. */
    private static final int MAX_FAILURES_IN_A_ROW = 3;
    /** Remarks about single messages in the status; the log has all of them. */
    private static final int MAX_NOTES = 5;

    private final Account account;
    private final Retriever retriever;
    private final UidlLedger ledger;
    /** Ledger keys whose recorded message is the one listed now, with their first-download time: only these may be DELE'd. */
    private final Map<String, Instant> recorded = new HashMap<>();
    /**
     * Per ledger key, the LIST size of the message it names: from the ledger row, else from this
     * session's first listing. A key found again on another connection is deleted only when its size
     * there is the same (keys of repeated UIDLs shift with listing order; a reused UIDL names new mail).
     */
    private final Map<String, Long> expectedSize = new HashMap<>();
    /** Keys of UIDLs a listing of this session repeated ("x", "x#2", …): their order, not their UIDL, tells them apart. */
    private final Set<String> repeatedKeys = new HashSet<>();
    /** Keys whose row was matched by digest after a UIDVALIDITY change, not by content: never deleted or moved. */
    private final Set<String> matchedByDigest = new HashSet<>();
    private final Map<String, UidlLedger.Row> rows;
    private final Map<String, UidlLedger.Failure> priorFailures;
    /** Messages whose download failed in this session, with their new count. */
    private final Map<String, UidlLedger.Failure> failedNow = new LinkedHashMap<>();
    /** What the status should say besides the counts: skipped, too large, shorter than listed … */
    private final List<String> notes = new ArrayList<>();
    private int notesLeftOut;
    private final long maxMessageSize;
    private final long startNanos;
    private long deadlineNanos;
    private int failuresInARow;
    private String messageFailure;
    /** The ledger keys committed in this session: their failure counts start over. */
    private final Set<String> committedNow = new java.util.HashSet<>();
    private final List<Retriever.Listed> toFetch = new ArrayList<>();
    private final Path spoolDir;
    /** The file systems a session writes to (see {@link #watchedDisks}), looked up once a session. */
    private List<WatchedDisk> disks;
    private final Path mailboxesDir;
    private final FetchContext context;
    private final BooleanSupplier stopping;
    private final HeldLease lease;
    private final Clock clock;
    private final Instant start;
    private OpenBatch batch;
    /** Full batches being made durable and recorded on commit threads while the next ones download, oldest first. */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private int spoolTurn;
    /** Free disk is looked at again once this much has arrived since the last look, or this many messages. */
    static final long DISK_CHECK_BYTES = 1 << 20;
    static final int DISK_CHECK_MESSAGES = 64;
    /**
     * Looks are skipped only while the last one found at least this much free above the margin: what
     * may arrive between looks (a MiB and the next message, each stored once per recipient) must not
     * take a disk near the margin past it. Closer to the margin, every message is preceded by a look.
     */
    static final long DISK_CHECK_HEADROOM = 64 * DISK_CHECK_BYTES;
    private long bytesAtDiskCheck;
    private int downloadedAtDiskCheck;
    /** Free disk above mailfetch.fetch.min-free-disk at the last look. */
    private long headroomAtDiskCheck;
    /** Each message's bytes on their way to its spool file: one stream and one digest for the session. */
    private final CrlfToLfOutputStream crlfToLf = new CrlfToLfOutputStream(OutputStream.nullOutputStream());
    private final MessageDigest sha = sha256();
    private final SpoolOutput spoolOutput = new SpoolOutput(sha);
    /** The two spool files' channels, by turn (see {@link #retrieve}), open while the session runs. */
    private final FileChannel[] spoolChannels = new FileChannel[2];
    /** The two memory buffers small messages are held in instead, by the same turns; made on first use. */
    private final byte[][] spoolMemory = new byte[2][];
    private final Map<MailAddress, MaildirMailbox> mailboxes = new HashMap<>();
    /** Views the steps read once per session (the local directory): see {@link #view}. */
    private final Map<View<?>, Object> views = new HashMap<>();
    /** One connection per LMTP target for all of this session's messages; closed when the session ends. */
    private final LmtpConnections lmtp = new LmtpConnections();

    private int next;
    /** Messages handed to the splitter, and messages that reached {@link #accept}: see {@link #lastOneFailed()}. */
    private int handedOut;
    private int accepted;
    private int downloaded;
    private int delivered;
    private int deferred;
    private int quarantined;
    private final Map<String, Integer> copiesByTarget = new TreeMap<>();
    private String deferReason;
    private int failed;
    private long bytes;
    private Throwable failure;

    /**
     * {@code stopping}: the service is shutting down; {@code lease}: the session's hold on the account,
     * which every message and every LMTP transaction checks; {@code startNanos}: when the session began
     * (System.nanoTime()), for its deadline; {@code maxMessageSize}: the account's limit (its override,
     * or mailfetch.fetch.max-message-size).
     */
    FetchSession(Account account, Retriever retriever, UidlLedger ledger, FetchContext context, BooleanSupplier stopping,
                 HeldLease lease, long startNanos, long maxMessageSize) throws IOException {
        this.account = account;
        this.retriever = retriever;
        this.ledger = ledger;
        this.context = context;
        this.stopping = stopping;
        this.lease = lease;
        this.clock = context.clock();
        this.start = clock.instant();
        this.rows = ledger.rows(account.id());
        this.priorFailures = ledger.failures(account.id());
        this.maxMessageSize = maxMessageSize;
        this.startNanos = startNanos;
        this.spoolDir = context.dataDir().resolve("spool").resolve(String.valueOf(account.id()));
        this.mailboxesDir = context.maildirRoot();
        this.batch = new OpenBatch(context.fsyncPool());
        for (Retriever.Listed m : retriever.listing()) {
            expectedSize.put(m.uidl(), m.size());
        }
        noteRepeated(retriever.listing());
        retriever.remarks().forEach(this::note);
        for (Retriever.Listed m : retriever.listing()) {
            if (choose(m)) {
                toFetch.add(m);
            }
        }
        retriever.plan(List.copyOf(toFetch));
        this.deadlineNanos = startNanos + context.sessionDeadline().toNanos();
        retriever.deadline(deadlineNanos);
        PrivateFiles.createDirectories(spoolDir);
        clearSpool();
        LOG.debug("{} messages on the server, {} new", retriever.listing().size(), toFetch.size());
        if (!matchedByDigest.isEmpty() && account.deleteMode().kind() != DeleteMode.Kind.NEVER) {
            LOG.info("{} message(s) recognised by digest after a UIDVALIDITY change stay on the server: they are not"
                    + " fetched again, and not deleted or moved either, since only their content would prove them the"
                    + " messages delivered", matchedByDigest.size());
        }
    }

    /**
     * Whether to download a listed message: not when the ledger holds it in this form (same LIST
     * size, DELE not applied), not when it is larger than the limit, and not when its download
     * failed in too many sessions in a row. The last two are reported.
     */
    private boolean choose(Retriever.Listed m) {
        UidlLedger.Row row = rows.get(m.uidl());
        if (row != null && row.sameMessage(m.size())) {
            recorded.put(m.uidl(), row.firstDownloaded());
            if (row.matchedByDigest()) {
                matchedByDigest.add(m.uidl());
            }
            if (row.listSize() != null) {
                expectedSize.put(m.uidl(), row.listSize());
            }
            return false;
        }
        if (row != null) {
            LOG.info("UIDL {} ({} bytes) is a new message under a reused UIDL (recorded: {} bytes{})", m.uidl(), m.size(), row.listSize(), row.deletedAt() == null ? ""
                            : ", deleted on the server " + row.deletedAt());
        }
        if (m.size() > maxMessageSize) {
            note("UIDL " + m.uidl() + " (" + m.size() + " bytes) left on the server: larger than the account's"
                    + " maximum message size (" + maxMessageSize + " bytes, " + FetchContext.MAX_MESSAGE_SIZE + ")");
            return false;
        }
        UidlLedger.Failure prior = priorFailures.get(m.uidl());
        if (prior != null && prior.failures() >= context.messageFailuresBeforeSkip()) {
            note("UIDL " + m.uidl() + " (" + m.size() + " bytes) skipped: its download failed in " + prior.failures()
                    + " sessions in a row (" + prior.lastError() + ")");
            return false;
        }
        return true;
    }

    /** Logs a remark about one message and keeps the first few for the status (which must stay short). */
    private void note(String text) {
        LOG.warn("{}", text);
        if (notes.size() < MAX_NOTES) {
            notes.add(text);
        } else {
            notesLeftOut++;
        }
    }

    public Account account() {
        return account;
    }

    @Override
    public MaildirMailbox mailbox(MailAddress address) {
        return mailboxes.computeIfAbsent(address, a -> new MaildirMailbox(mailboxesDir, a, context.permissions()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T view(View<T> kind) {
        // the steps run one message at a time on the splitter's thread
        return (T) views.computeIfAbsent(kind, View::read);
    }

    @Override
    public DeliveryBatch batch() {
        return batch.files();
    }

    @Override
    public LmtpConnections lmtpConnections() {
        return lmtp;
    }

    @Override
    public java.time.Duration heldFor(java.time.Duration wanted) {
        return java.time.Duration.ofNanos(Math.max(0, lease.secure(wanted.toNanos())));
    }

    /**
     * The new messages, each retrieved when the splitter asks for it. Retrieval errors end the
     * iteration and are reported by {@link #finish()}; so does a shutdown, after the message in hand.
     */
    @Override
    public Iterator<FetchedMessage> iterator() {
        return new Iterator<>() {
            private FetchedMessage ready;

            @Override
            public boolean hasNext() {
                while (ready == null && failure == null && next < toFetch.size() && !stopping.getAsBoolean()
                        && !lastOneFailed() && mayGoOn(toFetch.get(next).size())) {
                    Retriever.Listed wanted = toFetch.get(next++);
                    // the splitter looks ahead while the message before is in hand: log the download as
                    // this message's, then give the context back
                    String inHand = MessageLog.message(wanted.uidl());
                    try {
                        ready = retrieve(wanted);
                    } finally {
                        MessageLog.message(inHand);
                    }
                }
                return ready != null;
            }

            @Override
            public FetchedMessage next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                FetchedMessage m = ready;
                ready = null;
                handedOut++;
                MessageLog.message(m.uidl());
                return m;
            }
        };
    }

    /**
     * Whether a message handed out before the one in hand never reached the end of the chain: a
     * delivery step failed on it. The splitter looks one message ahead (to know the last one), so
     * when it asks for message n+2, message n is done — accepted, or failed. Then nothing more is
     * downloaded: a full disk must not cost a RETR of every remaining message.
     */
    private boolean lastOneFailed() {
        return handedOut - accepted >= 2;
    }

    /**
     * Before each message: the deadline has not passed, the account is still this session's (its lease
     * held for half its time more, renewed now if the background renewal fell behind) and the disk has
     * room; else the session stops here.
     */
    private boolean mayGoOn(long nextSize) {
        if (System.nanoTime() - deadlineNanos >= 0) {
            failure = new SessionDeadlineException(deadlineText());
            LOG.warn("{}", failure.getMessage());
            return false;
        }
        if (lease.secure(lease.half()) <= 0) {
            failure = new IOException("the session's lease on the account " + (lease.lost() ? "was taken by another"
                    + " process after it expired" : "ran out: it could not be renewed") + "; downloading stopped, what"
                    + " was delivered is committed, the rest waits for the next session");
            LOG.warn("{}", failure.getMessage());
            return false;
        }
        try {
            if (disks == null) {
                disks = watchedDisks(); // parses the mount table: once, not per message
            }
            // statvfs once a MiB (counting the message about to come) or 64 messages: before every 4 KB
            // message it cost a twentieth of the session's CPU. Near the margin (less than
            // DISK_CHECK_HEADROOM above it at the last look), though, before every message again
            long since = bytes - bytesAtDiskCheck;
            if (downloaded > 0 && headroomAtDiskCheck >= DISK_CHECK_HEADROOM
                    && since + Math.max(0, nextSize) < DISK_CHECK_BYTES
                    && downloaded - downloadedAtDiskCheck < DISK_CHECK_MESSAGES) {
                return true;
            }
            bytesAtDiskCheck = bytes;
            downloadedAtDiskCheck = downloaded;
            headroomAtDiskCheck = Long.MAX_VALUE;
            for (WatchedDisk disk : disks) {
                long free = disk.store().getUsableSpace();
                headroomAtDiskCheck = Math.min(headroomAtDiskCheck, free - context.minFreeDisk());
                if (free < context.minFreeDisk()) {
                    failure = new IOException(String.format("low disk: %d MiB free under %s, mailfetch.fetch.min-free-disk"
                            + " is %d MiB; downloading stopped, what was delivered is committed", free >> 20, disk.dir(),
                            context.minFreeDisk() >> 20));
                    LOG.warn("{}", failure.getMessage());
                    return false;
                }
            }
        } catch (IOException e) {
            failure = e;
            return false;
        }
        return true;
    }

    /** A file system the session writes to, and the directory it is named by in the low-disk message. */
    private record WatchedDisk(Path dir, java.nio.file.FileStore store) {}

    /**
     * The data dir (spool, database), the Maildir root and the spool root (outbox, quarantine), each
     * file system once: the roots may be mounted apart (several nodes share them), and a full Maildir
     * disk would otherwise fail every staged file of a session instead of stopping it before the next
     * message. A root not made yet counts by the nearest directory that exists.
     */
    private List<WatchedDisk> watchedDisks() throws IOException {
        List<WatchedDisk> out = new ArrayList<>();
        for (Path dir : List.of(context.dataDir(), context.maildirRoot(), context.spoolRoot())) {
            Path existing = dir.toAbsolutePath();
            while (existing.getParent() != null && !Files.isDirectory(existing)) {
                existing = existing.getParent();
            }
            java.nio.file.FileStore store = Files.getFileStore(existing);
            if (out.stream().noneMatch(d -> d.store().equals(store))) {
                out.add(new WatchedDisk(dir, store));
            }
        }
        return out;
    }

    private String deadlineText() {
        return "the session deadline passed after " + java.time.Duration.ofNanos(deadlineNanos - startNanos).toSeconds()
                + " s (" + FetchContext.SESSION_DEADLINE + "); what was delivered is committed, the rest waits for the"
                + " next session";
    }

    /**
     * The deadline grows with the mail that actually arrived, plus the message about to be fetched
     * (its LIST size, at most the size limit): a big mailbox over a slow link still finishes, but a
     * server cannot buy time by claiming huge sizes in LIST and then sending a byte a second.
     */
    private void extendDeadlineFor(long listSize) {
        long next = Math.max(0, Math.min(listSize, maxMessageSize));
        double mib = (bytes + next) / (double) (1 << 20);
        deadlineNanos = startNanos + context.sessionDeadline().toNanos()
                + (long) (context.sessionDeadlinePerMib().toNanos() * mib);
        retriever.deadline(deadlineNanos);
    }

    /**
     * Streams one message to its spool (memory or file); null when it is not to be delivered (failed,
     * too large, shorter than listed, gone), which is reported and counted, and the session goes on
     * with the next message on a fresh connection when this one broke.
     */
    private FetchedMessage retrieve(Retriever.Listed wanted) {
        Retriever.Listed listed = null;
        extendDeadlineFor(wanted.size());
        // Two spool files (and two memory buffers for small messages), overwritten in turn and never
        // truncated: the splitter looks one message ahead; reusing files spares a create and a delete
        // per message, and not truncating keeps ext4 from flushing the file on close (auto_da_alloc).
        // Only the first `size` bytes count.
        // The turn moves only when a message is handed out: a failed download must not overwrite
        // the file of the message the splitter still holds.
        Path spool = spoolDir.resolve("spool-" + (spoolTurn & 1));
        long size;
        long wire;
        long lines;
        FileChannel channel;
        byte[] memory;
        for (int attempt = 1; ; attempt++) {
            try {
                if (!retriever.usable()) {
                    retriever.reconnect();
                }
                listed = retriever.find(wanted.uidl());
            } catch (IOException | RuntimeException e) {
                failure = e;
                LOG.warn("reconnecting failed, the session stops: {}", Failures.describe(e));
                return null;
            }
            if (listed == null) {
                LOG.info("no longer on the server");
                return null;
            }
            try {
                memory = spoolMemory[spoolTurn & 1];
                if (memory == null) {
                    memory = new byte[SpoolOutput.IN_MEMORY];
                    spoolMemory[spoolTurn & 1] = memory;
                }
                // the stage writes the file in runs of up to 64 KiB, the digest sees the same runs
                CrlfToLfOutputStream lf = crlfToLf.restart(spoolOutput.restart(() -> spoolChannel(spool), memory));
                wire = retriever.retrieve(listed, lf, maxMessageSize);
                lf.flush();
                size = spoolOutput.size();
                channel = spoolOutput.channel();
                lines = lf.lines();
                break;
            } catch (NoReplyException e) {
                if (attempt < 2) {
                    // the connection died between messages: not this message's fault; once more on a new one
                    LOG.info("{}; reconnecting", Failures.describe(e));
                    continue;
                }
                messageFailed(listed, Failures.describe(e) + " at RETR", e);
                return null;
            } catch (TooLargeException e) {
                messageFailed(listed, "larger than the account's maximum message size (" + maxMessageSize + " bytes, "
                        + FetchContext.MAX_MESSAGE_SIZE + ") although LIST said " + listed.size() + " bytes: cut off, left on the server", e);
                return null;
            } catch (SessionDeadlineException e) {
                // Counted against the message: one that trickles so slowly that every session ends
                // inside it would otherwise keep every message after it from ever being fetched.
                messageFailed(listed, "the session deadline passed during its RETR", e);
                failure = new SessionDeadlineException(deadlineText());
                LOG.warn("{}", failure.getMessage());
                return null;
            } catch (IOException | RuntimeException e) {
                messageFailed(listed, Failures.describe(e) + " during RETR", e);
                return null;
            }
        }
        // Servers count CRLF line ends; one byte per line (a server counting LF only) is the slack.
        if (listed.size() > 0 && wire + lines + 2 < listed.size()) {
            messageFailed(listed, "shorter than its LIST size (" + wire + " of " + listed.size()
                    + " bytes arrived), not delivered, left on the server", null);
            retriever.close(); // the rest of the message may still come: never read it as replies
            return null;
        }
        failuresInARow = 0;
        spoolTurn++;
        downloaded++;
        bytes += size;
        if (downloaded % context.progressEvery() == 0) {
            String message = MessageLog.message(null); // a line about the session, not this message
            LOG.info("progress: {} of {} new messages downloaded ({} bytes), {} delivered and committed, {} s",
                    downloaded, toFetch.size(), bytes, delivered, java.time.Duration.between(start, clock.instant()).toSeconds());
            MessageLog.message(message);
        }
        FetchedMessage fetched = new FetchedMessage(account, listed.uidl(), spool, size, listed.size(),
                HexFormat.of().formatHex(sha.digest()), clock.instant());
        if (channel == null) {
            fetched.inMemory(memory);
        } else {
            fetched.spoolChannel(channel);
        }
        fetched.serverDate(listed.serverDate());
        fetched.messageDigest(listed.identity());
        return fetched;
    }

    /**
     * A message could not be downloaded: reported with UIDL and size, counted toward skipping it,
     * and the session goes on with the next message unless messages fail one after another.
     */
    private void messageFailed(Retriever.Listed m, String reason, Throwable cause) {
        failed++;
        UidlLedger.Failure prior = priorFailures.get(m.uidl());
        int n = (prior == null ? 0 : prior.failures()) + 1;
        failedNow.put(m.uidl(), new UidlLedger.Failure(n, m.size() < 0 ? null : m.size(), reason));
        String text = reason + ": UIDL " + m.uidl() + " (" + m.size() + " bytes)";
        if (messageFailure == null) {
            messageFailure = text + "; failed in " + n + " session(s) in a row, skipped after "
                    + context.messageFailuresBeforeSkip();
        }
        LOG.warn("{} ({} bytes); failed in {} session(s) in a row; going on with the other messages", reason, m.size(), n);
        if (++failuresInARow >= MAX_FAILURES_IN_A_ROW) {
            failure = cause != null ? cause : new IOException(text);
            LOG.warn("{} messages in a row failed; the session stops", failuresInARow);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last step of the chain: a delivered message joins the batch; a full batch is committed. */
    public void accept(FetchedMessage m) {
        accepted++;
        switch (m.fate()) {
            case DELIVERED -> {
                batch.add(m);
                // local mailboxes and routed addresses: a message only for a routed domain is not "to []"
                List<MailAddress> to = m.recipients();
                if (!m.routedRecipients().isEmpty()) {
                    to = new ArrayList<>(to);
                    to.addAll(m.routedRecipients());
                }
                if (m.copiesByTarget().isEmpty()) {
                    if (m.sameBytesAsEarlier()) {
                        LOG.info("the same bytes as a message this session delivered to {}: recorded, no second copy"
                                + " ({} bytes)", to, m.size());
                    } else {
                        // fetched again after an interruption that came after its delivery, before its
                        // ledger row: every recipient has it (LMTP rows, Maildir file), so no second copy
                        LOG.info("had reached {} before an interruption: recorded, not delivered again ({} bytes)",
                                to, m.size());
                    }
                } else {
                    LOG.info("delivered to {} ({} bytes)", to, m.size());
                }
            }
            case QUARANTINED -> {
                batch.add(m);
                LOG.info("quarantined: {} ({}), {} bytes", m.quarantineKind(), m.quarantineReason(), m.size());
            }
            case DEFERRED -> {
                deferred++;
                if (m.deferReason() != null) {
                    deferReason = m.deferReason();
                }
                LOG.info("deferred: left on the server for the next session{}", m.deferReason() == null ? "" : ": " + m.deferReason());
            }
            case PENDING -> throw new IllegalStateException(m + " reached the end of the chain without a fate");
        }
        if (batch.messages() >= context.batchSize()) {
            try {
                commitBatch();
            } catch (IOException | RuntimeException e) {
                // The committed part is safe; the failed batch stays on the server. Stop fetching.
                failure = e;
                LOG.warn("making a batch durable failed; its messages stay on the server: {}", Failures.describe(e));
            }
        }
    }

    /**
     * A step of the chain failed on a message (e.g. the disk is full): nothing more is downloaded in
     * this session, the message stays on the server, and the status says what failed.
     */
    public void fail(Throwable error) {
        failed++;
        failure = new DeliveryFailedException(Failures.describe(error), error);
        LOG.warn("{}", failure.getMessage());
    }

    /** A delivery step failed: the session stopped downloading. */
    static final class DeliveryFailedException extends Exception {
        DeliveryFailedException(String what, Throwable cause) {
            super("delivery failed, downloading stopped (the message stays on the server): " + what, cause);
        }
    }

    @Override
    public void afterDurable(DurableAction action) {
        batch.afterDurable(action);
    }

    /**
     * How many full batches may be made durable at once. A batch's time is mostly waiting on the
     * disk (fsyncs, the directory fsync, the ledger commit); while it waits the session downloads the
     * next one, and the fsyncs of batches in flight together run side by side. Only when this many are
     * still in flight does the session wait for the oldest, which bounds the staged files and memory.
     */
    static final int MAX_BATCHES_IN_FLIGHT = 3;

    /** A full batch handed to a commit thread, and how many messages it holds. */
    private record InFlight(Future<OpenBatch.Committed> result, int messages) {}

    /**
     * Hands the full batch to a commit thread — files made durable, then its UIDLs recorded: the
     * order the data-safety contract requires — and opens the next batch, so that downloading goes
     * on while the disk works. Nothing is deleted on the server before {@link #finish()} has waited
     * for every batch, so batches may finish in any order.
     */
    private void commitBatch() throws IOException {
        awaitInFlight(MAX_BATCHES_IN_FLIGHT - 1);
        if (batch.isEmpty()) {
            return;
        }
        OpenBatch full = batch;
        batch = new OpenBatch(context.fsyncPool());
        inFlight.add(new InFlight(context.commitPool().submit(() -> full.commit(ledger, account.id(), clock)),
                full.messages()));
    }

    /**
     * Takes in the batches that are done and waits for the oldest ones until at most {@code keep} are
     * in flight. A failed batch is counted and its error thrown — after the others this call takes
     * in, so that what they committed is known (and deleted as due).
     */
    private void awaitInFlight(int keep) throws IOException {
        IOException first = null;
        while (!inFlight.isEmpty() && (inFlight.size() > keep || inFlight.peek().result().isDone())) {
            InFlight b = inFlight.poll();
            try {
                OpenBatch.Committed done = b.result().get();
                for (String uidl : done.uidls()) {
                    recorded.put(uidl, done.at());
                    committedNow.add(uidl);
                }
                delivered += done.uidls().size() - done.quarantined();
                quarantined += done.quarantined();
                done.copiesByTarget().forEach((target, n) -> copiesByTarget.merge(target, n, Integer::sum));
            } catch (ExecutionException e) {
                failed += b.messages();
                if (first == null) {
                    first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed += b.messages();
                if (first == null) {
                    first = new IOException("interrupted while committing a batch", e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Commits what is left, DELEs what is due, QUITs, and says how it went. */
    SessionSummary finish() {
        MessageLog.message(null);
        lmtp.close(); // no message is delivered after this point: QUIT
        try {
            commitBatch();
            awaitInFlight(0);
        } catch (IOException | RuntimeException e) {
            batch.abandon();
            failed += batch.messages();
            batch = new OpenBatch(context.fsyncPool());
            failure = failure == null ? e : failure;
            LOG.warn("making a batch durable failed; its messages stay on the server: {}", Failures.describe(e));
            try {
                awaitInFlight(0); // the other batches in flight: what they committed is deleted as due
            } catch (IOException | RuntimeException more) {
                LOG.warn("making another batch durable failed; its messages stay on the server: {}", Failures.describe(more));
            }
        }
        closeSpoolChannels();
        clearSpool();
        int deleted = deleteDueAndQuit();
        try {
            ledger.countFailures(account.id(), failedNow, committedNow);
            if (failure == null && retriever.complete()) {
                // what the ledger and the failure table hold now, known without reading them again:
                // a 100,000-message mailbox must not cost two more full copies and a query per session
                List<String> known = new ArrayList<>(rows.keySet());
                for (String key : recorded.keySet()) {
                    if (!rows.containsKey(key)) {
                        known.add(key);
                    }
                }
                Set<String> failing = new HashSet<>(priorFailures.keySet());
                failing.removeAll(committedNow);
                failing.addAll(failedNow.keySet());
                ledger.purgeAbsent(account.id(), onServer(), known, failing);
            }
        } catch (RuntimeException e) {
            failure = failure == null ? e : failure;
            LOG.warn("updating the ledger after the session failed: {}", Failures.describe(e));
        }
        return new SessionSummary(account.id(), account.label(),
                failure == null && messageFailure == null ? SessionSummary.Result.OK : SessionSummary.Result.FAILED,
                statusText(), start, clock.instant(), downloaded, delivered,
                deferred, quarantined, deleted, failed, bytes, Map.copyOf(copiesByTarget));
    }

    /** What went wrong first, then what was left on the server and why; null when nothing is worth saying. */
    private String statusText() {
        List<String> parts = new ArrayList<>();
        if (failure != null) {
            parts.add(Failures.describe(failure));
        }
        if (messageFailure != null) {
            parts.add(messageFailure);
        }
        if (deferred > 0 && deferReason != null) {
            parts.add(deferred + " deferred: " + deferReason);
        }
        parts.addAll(notes);
        if (notesLeftOut > 0) {
            parts.add("and " + notesLeftOut + " more (see the log)");
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    /**
     * DELEs every listed message whose ledger row is due — on a fresh connection when the current one
     * broke or the deadline passed — and QUITs. Returns the DELEs the server applied: only those it
     * accepted, and only when it answered +OK to QUIT; the ledger remembers them as deleted.
     */
    private int deleteDueAndQuit() {
        Instant now = clock.instant();
        // cleaning up gets its own short allowance, also after the session deadline, plus what the session
        // deadline grants the replies still on the wire (a large RETR sent ahead): they are read before the DELEs
        double inFlightMib = retriever.bytesInFlight() / (double) (1 << 20);
        retriever.deadline(System.nanoTime() + context.connectTimeout().toNanos() + 2 * context.readTimeout().toNanos()
                + (long) (context.sessionDeadlinePerMib().toNanos() * inFlightMib));
        boolean due = retriever.listing().stream().anyMatch(m -> isDue(m, now))
                || retriever.wantsDelivered() && !committedNow.isEmpty();
        if (!retriever.usable()) {
            if (!due) {
                retriever.close();
                return 0;
            }
            try {
                retriever.reconnect();
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot reconnect to delete what is due; left for the next session: {}", Failures.describe(e));
                failure = failure == null ? e : failure;
                return 0;
            }
        }
        noteRepeated(retriever.listing()); // a new connection's listing may repeat UIDLs the first did not
        List<String> accepted = new ArrayList<>();
        try {
            for (Retriever.Listed m : retriever.listing()) {
                if (committedNow.contains(m.uidl())) {
                    retriever.delivered(m);
                }
            }
            for (Retriever.Listed m : retriever.listing()) {
                if (isDue(m, now) && retriever.markDeleted(m)) {
                    accepted.add(m.uidl());
                }
            }
            retriever.quit();
        } catch (IOException | RuntimeException e) {
            // Without a +OK to QUIT the server applies no DELE; the ledger rows stay due for the next session.
            LOG.warn("applying the deletions failed (POP3 QUIT, IMAP EXPUNGE), {} left for the next session: {}", accepted.size(),
                    Failures.describe(e));
            retriever.close();
            if (!accepted.isEmpty()) {
                failure = failure == null ? e : failure;
            }
            return 0;
        }
        if (accepted.size() < retriever.listing().stream().filter(m -> isDue(m, now)).count()) {
            note("the server refused to delete " + (retriever.listing().stream().filter(m -> isDue(m, now)).count()
                    - accepted.size()) + " message(s); they stay on the server and are tried again next session");
        }
        try {
            ledger.markDeleted(account.id(), accepted, clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("cannot record {} applied deletions: {}", accepted.size(), Failures.describe(e));
        }
        return accepted.size();
    }

    /** The keys of the current listing; the first connection's are the keys of {@link #expectedSize}. */
    private Set<String> onServer() {
        List<Retriever.Listed> listing = retriever.listing();
        if (retriever.connections() == 1 && listing.size() == expectedSize.size()) {
            return java.util.Collections.unmodifiableSet(expectedSize.keySet());
        }
        Set<String> keys = new HashSet<>(listing.size() * 2);
        for (Retriever.Listed m : listing) {
            keys.add(m.uidl());
        }
        return keys;
    }

    /** Remembers the keys of UIDLs a listing repeats ("x", "x#2", …): listing order, not the UIDL, tells them apart. */
    private void noteRepeated(List<Retriever.Listed> listing) {
        for (Retriever.Listed m : listing) {
            if (m.positional()) {
                repeatedKeys.add(m.uidl());
            }
        }
    }

    private boolean isDue(Retriever.Listed m, Instant now) {
        if (matchedByDigest.contains(m.uidl())) {
            return false; // kept from being delivered twice, but not proven to be the message delivered
        }
        Instant first = recorded.get(m.uidl());
        if (first == null || !account.deleteMode().isDue(first, now)) {
            return false;
        }
        // Only a message known to be the one recorded is deleted. A size the server would not give
        // (LIST refused), or one that differs, may be other mail under a reused or shifted key; so
        // may a repeated UIDL's key on a connection other than the one that listed it first.
        Long expected = expectedSize.get(m.uidl());
        if (m.size() < 0 || expected == null || expected != m.size()) {
            return false;
        }
        return retriever.connections() == 1 || !repeatedKeys.contains(m.uidl());
    }

    /** After finish() itself failed (e.g. an Error): drop the connection without QUIT; nothing is deleted. */
    void abandon() {
        closeSpoolChannels();
        lmtp.close();
        retriever.close();
        batch.abandon();
    }

    /**
     * The spool file's channel, opened once a session: an open, a chmod and a close per message were a
     * sixth of a small message's CPU. Closed by {@link #closeSpoolChannels()} when the session ends.
     */
    private FileChannel spoolChannel(Path spool) throws IOException {
        int turn = spoolTurn & 1;
        FileChannel channel = spoolChannels[turn];
        if (channel == null || !channel.isOpen()) {
            // readable too: deliveries copy the message out of it (FetchedMessage.copyTo)
            channel = PrivateFiles.open(spool, StandardOpenOption.CREATE, StandardOpenOption.READ);
            spoolChannels[turn] = channel;
        }
        return channel;
    }

    private void closeSpoolChannels() {
        for (int i = 0; i < spoolChannels.length; i++) {
            if (spoolChannels[i] != null) {
                try {
                    spoolChannels[i].close();
                } catch (IOException e) {
                    LOG.warn("cannot close a spool file: {}", e.getMessage());
                }
                spoolChannels[i] = null;
            }
        }
        // and the memory buffers: whatever still holds this session must not keep 128 KiB with it
        java.util.Arrays.fill(spoolMemory, null);
    }

    /** Removes spool files left by a failed step or by a crashed earlier session. */
    private void clearSpool() {
        try (var files = Files.list(spoolDir)) {
            files.forEach(this::deleteSpool);
        } catch (IOException e) {
            LOG.warn("cannot list spool {}: {}", spoolDir, e.getMessage());
        }
    }

    private void deleteSpool(Path spool) {
        try {
            Files.deleteIfExists(spool);
        } catch (IOException e) {
            LOG.warn("cannot remove spool file {}: {}", spool, e.getMessage());
        }
    }
}
