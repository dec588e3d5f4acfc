package org.mailfetch.mail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One downloaded message on its way through the chain: the original bytes (LF line endings, read
 * through {@link #content()}), its UIDL, and what the steps decided: internal date, recipients, fate.
 */
public final class FetchedMessage {

    /**
     * What happened to the message. DELIVERED and QUARANTINED messages are recorded in the ledger
     * (their server copy may be deleted); DEFERRED ones stay on the server for the next session.
     */
    public enum Fate { PENDING, DELIVERED, DEFERRED, QUARANTINED }

    /** Headers larger than this are not parsed further: the message is still delivered as it is. */
    private static final int MAX_HEADER_BYTES = 1 << 20;

    private final Account account;
    private final String uidl;
    private final Path spool;
    private FileChannel spoolChannel;
    private byte[] memory;
    private final long size;
    private final long listSize;
    private final String contentDigest;
    private final Instant downloadedAt;
    private HeaderBlock headers;
    private Instant internalDate;
    private Instant serverDate;
    private String messageDigest;
    private List<MailAddress> recipients = List.of();
    private final Map<String, Integer> copiesByTarget = new java.util.TreeMap<>();
    private List<MailAddress> routedRecipients = List.of();
    private Fate fate = Fate.PENDING;
    private String folder;
    private final List<String> topHeaders = new ArrayList<>();
    private String quarantineKind;
    private String quarantineReason;
    private String deferReason;
    private boolean sameBytesAsEarlier;

    public FetchedMessage(Account account, String uidl, Path spool, long size, Instant downloadedAt) {
        this(account, uidl, spool, size, -1, null, downloadedAt);
    }

    public FetchedMessage(Account account, String uidl, Path spool, long size, long listSize, String contentDigest,
                   Instant downloadedAt) {
        this.account = account;
        this.uidl = uidl;
        this.spool = spool;
        this.size = size;
        this.listSize = listSize;
        this.contentDigest = contentDigest;
        this.downloadedAt = downloadedAt;
    }

    public Account account() {
        return account;
    }

    public String uidl() {
        return uidl;
    }

    /**
     * The message as downloaded (LF line endings). The spool file (or memory buffer) is reused and
     * may hold stale bytes past {@link #size()}: always read through this stream, never the file itself.
     */
    public InputStream content() throws IOException {
        if (memory != null) {
            return new ByteArrayInputStream(memory, 0, (int) size);
        }
        return new BoundedInputStream(Files.newInputStream(spool), size);
    }

    /**
     * Writes {@code header}, then the message as downloaded (its first {@link #size()} spool bytes),
     * to {@code out} at its position. A message held in memory goes with the header in one gathering
     * write; a spooled one is copied inside the kernel (sendfile/copy_file_range): no Java buffer,
     * whatever the size.
     */
    public void copyTo(FileChannel out, ByteBuffer header) throws IOException {
        if (memory != null) {
            ByteBuffer[] both = {header, ByteBuffer.wrap(memory, 0, (int) size)};
            // until both are written: a 0-byte message has nothing remaining before its header is written
            while (both[0].hasRemaining() || both[1].hasRemaining()) {
                out.write(both);
            }
            return;
        }
        while (header.hasRemaining()) {
            out.write(header);
        }
        FileChannel open = spoolChannel;
        long start = out.position();
        long done = 0;
        if (open != null && open.isOpen()) {
            try {
                copy(open, out, 0);
                return;
            } catch (ClosedChannelException closedMeanwhile) {
                if (!out.isOpen()) {
                    throw closedMeanwhile; // the target, not the spool channel: nothing to fall back to
                }
                // the session ended and closed its spool channel, maybe after part of the message was
                // copied: the rest comes from the file by name below, after what is in `out` already
                done = out.position() - start;
            }
        }
        try (FileChannel in = FileChannel.open(spool, StandardOpenOption.READ)) {
            copy(in, out, done);
        }
    }

    private void copy(FileChannel in, FileChannel out, long from) throws IOException {
        long done = from;
        while (done < size) {
            long n = in.transferTo(done, size - done, out); // positional: the channel's position is not moved
            if (n <= 0) {
                throw new IOException("spool file " + spool + " ends after " + done + " of " + size + " bytes");
            }
            done += n;
        }
    }

    /**
     * The session's open, readable channel on {@link #spool}, so that {@link #copyTo} does not open
     * and close the file for every delivery; read by position only, never closed here.
     */
    public void spoolChannel(FileChannel channel) {
        this.spoolChannel = channel;
    }

    /**
     * The session's buffer holding the message (its first {@link #size()} bytes) instead of the spool
     * file: a small message is never written to the spool. Reused by the session as the spool file
     * is, so read only while the message is being delivered.
     */
    public void inMemory(byte[] buffer) {
        if (buffer.length < size) {
            throw new IllegalArgumentException("a buffer of " + buffer.length + " bytes cannot hold " + size);
        }
        this.memory = buffer;
    }

    public long size() {
        return size;
    }

    public Instant downloadedAt() {
        return downloadedAt;
    }

    /** The size the server's LIST gave, or -1 when it gave none. */
    public long listSize() {
        return listSize;
    }

    /**
     * The key of this message instance for the rows that make delivery idempotent across re-fetches
     * (outbox entries, LMTP recipient deliveries, quarantine items): the ledger's UIDL key plus the
     * start of the content digest. A re-fetch of the same message after a crash finds its rows; new
     * content under a reused UIDL (or a UIDL purged and reused later) is a new message and never
     * "already queued", "already delivered" or "already quarantined".
     */
    public String deliveryKey() {
        return contentDigest == null ? uidl : uidl + "/sha256:" + contentDigest.substring(0, 16);
    }

    /** SHA-256 (hex) of the message as spooled, or null when unknown. */
    public String contentDigest() {
        return contentDigest;
    }

    /**
     * The Maildir base name, derived from the account and the message's content (its UIDL when the
     * content digest is unknown): the same for every download of the same message, so finding it in
     * new/ or cur/ means it was delivered before a crash kept the ledger from recording it. Different
     * content under one UIDL (a server reusing UIDLs, header-identical messages on a server without
     * UIDL, a "#2" key that shifted) always gets a different name, never "already in"; byte-identical
     * content is one message, whatever key the server gives it.
     */
    public String baseName() {
        return baseName(account.id(), contentDigest == null ? uidl : "sha256:" + contentDigest);
    }

    public static String baseName(long accountId, String instance) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(instance.getBytes(StandardCharsets.UTF_8));
            return "mailfetch.a" + accountId + "." + HexFormat.of().formatHex(digest, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The values of a header, topmost first; empty when absent or when the header block cannot be read. */
    public String[] header(String name) {
        if (headers == null) {
            headers = parseHeaders();
        }
        return headers.values(name);
    }

    private HeaderBlock parseHeaders() {
        try (InputStream in = content()) {
            byte[] start = in.readNBytes(MAX_HEADER_BYTES);
            return HeaderBlock.parse(start, start.length);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spooled message " + spool + ": " + e.getMessage(), e);
        }
    }

    /** The internal date for the mailbox (file mtime); null means the time of delivery. */
    public Instant internalDate() {
        return internalDate;
    }

    public void internalDate(Instant date) {
        this.internalDate = date;
    }

    /** When the server says it received the message (IMAP INTERNALDATE); null when it does not say. */
    public Instant serverDate() {
        return serverDate;
    }

    public void serverDate(Instant date) {
        this.serverDate = date;
    }

    /**
     * What names the message on the server apart from its UIDL (IMAP: a digest of folder, Message-ID,
     * INTERNALDATE and size), recorded with its ledger row; null when the protocol has none.
     */
    public String messageDigest() {
        return messageDigest;
    }

    public void messageDigest(String digest) {
        this.messageDigest = digest;
    }

    public List<MailAddress> recipients() {
        return recipients;
    }

    public void recipients(List<MailAddress> recipients) {
        this.recipients = List.copyOf(recipients);
    }

    /** Recipients in routed domains: the message goes to them by SMTP through the outbox. */
    public List<MailAddress> routedRecipients() {
        return routedRecipients;
    }

    public void routedRecipients(List<MailAddress> routed) {
        this.routedRecipients = List.copyOf(routed);
    }

    /** One more copy delivered (or durably queued) by this way: maildir, lmtp, smtp. */
    public void deliveredVia(String target) {
        copiesByTarget.merge(target, 1, Integer::sum);
    }

    public Map<String, Integer> copiesByTarget() {
        return copiesByTarget;
    }

    public Fate fate() {
        return fate;
    }

    public void fate(Fate fate) {
        this.fate = fate;
    }

    /** Whether no step has decided the message's fate yet: only such messages go on to delivery. */
    public boolean isPending() {
        return fate == Fate.PENDING;
    }

    /** The Maildir++ folder to deliver into, e.g. ".Junk"; null means the inbox. */
    public String folder() {
        return folder;
    }

    public void folder(String folder) {
        this.folder = folder;
    }

    /**
     * Adds a header that delivery writes at the top of the file, below the trace header (e.g.
     * X-Spam-Status). The value must already be header-safe: no line breaks.
     */
    public void addTopHeader(String name, String value) {
        String line = name + ": " + value.replaceAll("[\\r\\n]+", " ");
        if (!topHeaders.contains(line)) {
            topHeaders.add(line);
        }
    }

    public List<String> topHeaders() {
        return List.copyOf(topHeaders);
    }

    /** The added top headers as one block of LF-terminated lines, for delivery. */
    public String topHeaderBlock() {
        StringBuilder b = new StringBuilder();
        for (String h : topHeaders) {
            b.append(h).append('\n');
        }
        return b.toString();
    }

    /**
     * A finding of a content filter: the message goes to quarantine instead of a mailbox.
     * {@code kind} is "spam", "virus" or "unscanned"; {@code reason} the score, the signature name
     * or why no scan happened. A virus finding wins over the others, since it also sends the owner a notice.
     */
    public void quarantine(String kind, String reason) {
        if (virus() && !"virus".equals(kind)) {
            return;
        }
        this.quarantineKind = kind;
        this.quarantineReason = reason;
    }

    /** "spam", "virus", "unscanned", or null when the message is not to be quarantined. */
    public String quarantineKind() {
        return quarantineKind;
    }

    public String quarantineReason() {
        return quarantineReason;
    }

    public boolean virus() {
        return "virus".equals(quarantineKind);
    }

    /**
     * Set when a mailbox already got a message with these bytes in this session (under another UIDL):
     * no second file, and the message is recorded with the first.
     */
    public void sameBytesAsEarlier(boolean same) {
        this.sameBytesAsEarlier = same;
    }

    public boolean sameBytesAsEarlier() {
        return sameBytesAsEarlier;
    }

    /** Leaves the message on the server for the next session, saying why (e.g. a scanner is down). */
    public void defer(String reason) {
        this.deferReason = reason;
        this.fate = Fate.DEFERRED;
    }

    public String deferReason() {
        return deferReason;
    }

    @Override
    public String toString() {
        return "message " + uidl + " (" + size + " bytes) of " + account.label();
    }
}
