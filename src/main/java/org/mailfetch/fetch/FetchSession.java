package org.mailfetch.fetch;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import jakarta.mail.MessagingException;
import org.mailfetch.account.Account;
import org.mailfetch.delivery.DeliveryBatch;
import org.mailfetch.delivery.MaildirMailbox;
import org.mailfetch.recipient.MailAddress;
import org.mailfetch.store.PrivateFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One account's run over an open POP3 connection. Iterating yields each message whose UIDL is not
 * in the ledger, already streamed to a spool file. Delivered messages are group-committed: their
 * Maildir files made durable, then their ledger rows committed. {@link #finish()} then marks every
 * listed message that is due under the delete mode (including ones recorded by an earlier,
 * interrupted session) and sends QUIT, which applies the DELEs.
 */
public final class FetchSession implements Iterable<FetchedMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(FetchSession.class);

    private final Account account;
    private final Pop3Retriever pop3;
    private final UidlLedger ledger;
    private final Map<String, Instant> recorded;
    private final List<Pop3Retriever.Listed> toFetch = new ArrayList<>();
    private final Path spoolDir;
    private final Path mailboxesDir;
    private final FetchContext context;
    private final BooleanSupplier stopping;
    private final Clock clock;
    private final Instant start;
    private OpenBatch batch;
    /** The batch being made durable and recorded on the commit thread while the next one downloads. */
    private Future<OpenBatch.Committed> inFlight;
    private int inFlightSize;
    private int spoolTurn;
    private final Map<MailAddress, MaildirMailbox> mailboxes = new HashMap<>();

    private int next;
    private int downloaded;
    private int delivered;
    private int deferred;
    private int quarantined;
    private final Map<String, Integer> copiesByTarget = new TreeMap<>();
    private String deferReason;
    private int failed;
    private long bytes;
    private Throwable failure;

    FetchSession(Account account, Pop3Retriever pop3, UidlLedger ledger, FetchContext context, BooleanSupplier stopping)
            throws IOException {
        this.account = account;
        this.pop3 = pop3;
        this.ledger = ledger;
        this.context = context;
        this.stopping = stopping;
        this.clock = context.clock();
        this.start = clock.instant();
        this.recorded = ledger.load(account.id());
        this.spoolDir = context.dataDir().resolve("spool").resolve(String.valueOf(account.id()));
        this.mailboxesDir = context.dataDir().resolve("mailboxes");
        this.batch = new OpenBatch(context.fsyncPool());
        for (Pop3Retriever.Listed m : pop3.listing()) {
            if (!recorded.containsKey(m.uidl())) {
                toFetch.add(m);
            }
        }
        PrivateFiles.createDirectories(spoolDir);
        clearSpool();
        LOG.debug("{}: {} messages on the server, {} new", account.label(), pop3.listing().size(), toFetch.size());
    }

    public Account account() {
        return account;
    }

    /** The mailbox of a local address, one instance per session so its delivered-names index is built once. */
    public MaildirMailbox mailbox(MailAddress address) {
        return mailboxes.computeIfAbsent(address, a -> new MaildirMailbox(mailboxesDir, a, context.permissions()));
    }

    /** Where delivery steps stage Maildir files; they become durable with the batch's commit. */
    public DeliveryBatch batch() {
        return batch.files();
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
                if (ready == null && failure == null && next < toFetch.size() && !stopping.getAsBoolean()) {
                    ready = retrieve(toFetch.get(next++));
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
                return m;
            }
        };
    }

    private FetchedMessage retrieve(Pop3Retriever.Listed listed) {
        // Two spool files, overwritten in turn and never truncated: the splitter looks one message
        // ahead; reusing files spares a create and a delete per message, and not truncating keeps
        // ext4 from flushing the file on close (auto_da_alloc). Only the first `size` bytes count.
        Path spool = spoolDir.resolve("spool-" + (spoolTurn++ & 1));
        long size;
        try (FileChannel channel = PrivateFiles.open(spool, StandardOpenOption.CREATE)) {
            OutputStream out = new BufferedOutputStream(new CrlfToLfOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(channel), 65536)), 8192);
            pop3.retrieve(listed, out);
            out.flush();
            size = channel.position();
        } catch (IOException | MessagingException | RuntimeException e) {
            failure = e;
            LOG.warn("{}: retrieving message {} (UIDL {}) failed: {}", account.label(), listed.number(), listed.uidl(),
                    Failures.describe(e));
            return null;
        }
        downloaded++;
        bytes += size;
        if (downloaded % context.progressEvery() == 0) {
            LOG.info("{}: progress: {} of {} new messages downloaded ({} bytes), {} delivered and committed, {} s",
                    account.label(), downloaded, toFetch.size(), bytes, delivered,
                    java.time.Duration.between(start, clock.instant()).toSeconds());
        }
        return new FetchedMessage(account, listed.uidl(), spool, size, clock.instant());
    }

    /** The last step of the chain: a delivered message joins the batch; a full batch is committed. */
    public void accept(FetchedMessage m) {
        switch (m.fate()) {
            case DELIVERED -> {
                batch.add(m);
                LOG.info("{}: UIDL {} ({} bytes) delivered to {}", account.label(), m.uidl(), m.size(), m.recipients());
            }
            case QUARANTINED -> {
                batch.add(m);
                LOG.info("{}: UIDL {} ({} bytes) quarantined: {} ({})", account.label(), m.uidl(), m.size(),
                        m.quarantineKind(), m.quarantineReason());
            }
            case DEFERRED -> {
                deferred++;
                if (m.deferReason() != null) {
                    deferReason = m.deferReason();
                }
                LOG.info("{}: UIDL {} deferred: left on the server for the next session{}", account.label(), m.uidl(),
                        m.deferReason() == null ? "" : ": " + m.deferReason());
            }
            case PENDING -> throw new IllegalStateException(m + " reached the end of the chain without a fate");
        }
        if (batch.messages() >= context.batchSize()) {
            try {
                commitBatch();
            } catch (IOException | RuntimeException e) {
                // The committed part is safe; the failed batch stays on the server. Stop fetching.
                failure = e;
                LOG.warn("{}: making a batch durable failed; its messages stay on the server: {}", account.label(),
                        Failures.describe(e));
            }
        }
    }

    /** A step of the chain failed on a message: nothing more is fetched in this session. */
    public void fail(Throwable error) {
        failed++;
        failure = error;
        LOG.warn("{}: a message could not be delivered: {}", account.label(), Failures.describe(error));
    }

    /** Something to commit after the batch's files are durable and before its ledger rows. */
    @FunctionalInterface
    public interface DurableAction {
        void run() throws Exception;
    }

    /**
     * Registers a record (e.g. a quarantine row) that belongs to a file staged in the current batch:
     * it is committed after the batch's files are durable and before its ledger rows.
     */
    public void afterDurable(DurableAction action) {
        batch.afterDurable(action);
    }

    /**
     * Hands the full batch to the commit thread — files made durable, then its UIDLs recorded: the
     * order the data-safety contract requires — and opens the next batch, so that downloading goes
     * on while the disk works. At most one batch is in flight.
     */
    private void commitBatch() throws IOException {
        awaitInFlight();
        if (batch.isEmpty()) {
            return;
        }
        OpenBatch full = batch;
        batch = new OpenBatch(context.fsyncPool());
        inFlightSize = full.messages();
        inFlight = context.commitPool().submit(() -> full.commit(ledger, account.id(), clock));
    }

    private void awaitInFlight() throws IOException {
        if (inFlight == null) {
            return;
        }
        try {
            OpenBatch.Committed done = inFlight.get();
            for (String uidl : done.uidls()) {
                recorded.put(uidl, done.at());
            }
            delivered += done.uidls().size() - done.quarantined();
            quarantined += done.quarantined();
            done.copiesByTarget().forEach((target, n) -> copiesByTarget.merge(target, n, Integer::sum));
        } catch (ExecutionException e) {
            failed += inFlightSize;
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while committing a batch", e);
        } finally {
            inFlight = null;
        }
    }

    /** Commits what is left, DELEs what is due, QUITs, and says how it went. */
    SessionSummary finish() {
        try {
            commitBatch();
            awaitInFlight();
        } catch (IOException | RuntimeException e) {
            batch.abandon();
            failed += batch.messages();
            batch = new OpenBatch(context.fsyncPool());
            failure = failure == null ? e : failure;
            LOG.warn("{}: making a batch durable failed; its messages stay on the server: {}", account.label(),
                    Failures.describe(e));
        }
        clearSpool();
        int deleted = markDueForDeletion();
        try {
            pop3.close(deleted > 0);
        } catch (MessagingException | RuntimeException e) {
            // Without a clean QUIT the server applies no DELE; the ledger rows stay due for the next session.
            LOG.warn("{}: QUIT failed, {} deletions left for the next session: {}", account.label(), deleted,
                    Failures.describe(e));
            deleted = 0;
            failure = failure == null ? e : failure;
        }
        if (failure == null) {
            ledger.purgeAbsent(account.id(),
                    pop3.listing().stream().map(Pop3Retriever.Listed::uidl).collect(java.util.stream.Collectors.toSet()),
                    recorded.keySet());
        }
        // a completed session with deferred mail says why in the account status (e.g. a scanner is down)
        String note = failure != null ? Failures.describe(failure)
                : deferred > 0 && deferReason != null ? deferred + " deferred: " + deferReason : null;
        return new SessionSummary(account.id(), account.label(),
                failure == null ? SessionSummary.Result.OK : SessionSummary.Result.FAILED,
                note, start, clock.instant(), downloaded, delivered,
                deferred, quarantined, deleted, failed, bytes, Map.copyOf(copiesByTarget));
    }

    private int markDueForDeletion() {
        Instant now = clock.instant();
        int marked = 0;
        for (Pop3Retriever.Listed m : pop3.listing()) {
            Instant first = recorded.get(m.uidl());
            if (first != null && account.deleteMode().isDue(first, now)) {
                try {
                    pop3.markDeleted(m);
                    marked++;
                } catch (MessagingException | RuntimeException e) {
                    LOG.warn("{}: cannot mark UIDL {} for deletion: {}", account.label(), m.uidl(), Failures.describe(e));
                }
            }
        }
        return marked;
    }

    /** Removes spool files left by a failed step or by a crashed earlier session. */
    private void clearSpool() {
        try (var files = Files.list(spoolDir)) {
            files.forEach(this::deleteSpool);
        } catch (IOException e) {
            LOG.warn("{}: cannot list spool {}: {}", account.label(), spoolDir, e.getMessage());
        }
    }

    private void deleteSpool(Path spool) {
        try {
            Files.deleteIfExists(spool);
        } catch (IOException e) {
            LOG.warn("{}: cannot remove spool file {}: {}", account.label(), spool, e.getMessage());
        }
    }
}
