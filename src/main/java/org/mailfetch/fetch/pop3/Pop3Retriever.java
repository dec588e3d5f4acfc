package org.mailfetch.fetch.pop3;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.HeaderBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailfetch.fetch.FetchContext;
import org.mailfetch.fetch.NoReplyException;
import org.mailfetch.fetch.Retriever;

/**
 * One POP3 session of an account over {@link Pop3Client}: log in, list every message with its UIDL
 * and size (one UIDL, one LIST), stream RETR of single messages, DELE, and QUIT. POP3 applies DELE
 * only at QUIT, and only a +OK to QUIT says it did. {@link #reconnect()} replaces a connection that
 * broke (a cut, a timeout, an abandoned oversized RETR) with a fresh one and a fresh listing.
 */
public final class Pop3Retriever implements Retriever {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Retriever.class);
    /** Header blocks (TOP n 0, for servers without UIDL) larger than this are a protocol error. */
    private static final int MAX_HEADER_BYTES = 1 << 20;
    /** At most this many RETRs in flight on a PIPELINING server (a raw client gains 2–2.5× at 16 over lockstep). */
    static final int PIPELINE_DEPTH = 16;
    /** Several RETRs in flight only while their LIST sizes add up to at most this (two: {@link #AHEAD_BYTES}). */
    static final long PIPELINE_BYTES = 1 << 20;
    /**
     * A second RETR goes out while one is in flight when both messages' LIST sizes add up to at most
     * this, however large each is: the server sends the next message while the session writes and
     * delivers the one in hand, instead of idling for a round trip after each large message. A session
     * that stops early reads at most this much more before its DELEs and QUIT.
     */
    static final long AHEAD_BYTES = 16L << 20;
    /** From this many messages on, UIDL and LIST are pipelined when CAPA announces PIPELINING. */
    static final int PIPELINED_LISTING = 1000;

    private final Account account;
    private final Credential credential;
    private final Pop3Client.Endpoint endpoint;
    private final int maxListing;
    private long deadlineNanos;
    private Pop3Client client;
    private int connections;
    private List<Listed> listing;
    private Map<String, Listed> byKey;
    /** Whether the current connection's CAPA announces PIPELINING (RFC 2449). */
    private boolean pipelining;
    /** Set when a RETR sent ahead got no reply: the rest of the session waits for each reply. */
    private boolean lockstep;
    /** The ledger keys of the messages the session will ask for, in order (see {@link #plan}). */
    private List<String> plan = List.of();
    private Map<String, Integer> planIndex = Map.of();
    /** The plan index of the last message whose RETR went out on this connection (or was passed over). */
    private int sentThrough = -1;

    private Pop3Retriever(Account account, Credential credential, Pop3Client.Endpoint endpoint, int maxListing,
                          long deadlineNanos) {
        this.account = account;
        this.credential = credential;
        this.endpoint = endpoint;
        this.maxListing = maxListing;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Connects, logs in and lists. No read waits past {@code deadlineNanos} (System.nanoTime());
     * a server listing more than {@code maxListing} messages is refused with a clear error.
     */
    public static Pop3Retriever connect(Account account, Credential credential, FetchContext context, long deadlineNanos)
            throws IOException {
        SSLContext ssl = account.trustCertPem() != null && !account.trustCertPem().isBlank()
                ? trusting(account.trustCertPem()) : null;
        Pop3Client.Endpoint endpoint = new Pop3Client.Endpoint(account.host(), account.port(), account.security(), ssl,
                context.connectTimeout(), context.readTimeout());
        Pop3Retriever r = new Pop3Retriever(account, credential, endpoint, context.maxListing(), deadlineNanos);
        r.open();
        return r;
    }

    private void open() throws IOException {
        connections++;
        Pop3Client c = Pop3Client.open(endpoint, deadlineNanos);
        try {
            c.login(account.userName(), credential);
            pipelining = c.capabilities().contains("PIPELINING");
            listing = list(c);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        client = c;
        byKey = new HashMap<>(listing.size() * 2);
        for (Listed m : listing) {
            byKey.put(m.uidl(), m);
        }
    }

    private List<Listed> list(Pop3Client c) throws IOException {
        int count = c.stat();
        if (count > maxListing) {
            throw new Pop3Exception(Pop3Exception.Kind.PROTOCOL, "the server lists " + count
                    + " messages, more than mailfetch.fetch.max-listing (" + maxListing + ")");
        }
        // kept as they arrive, one array slot per message: no object per listing line
        long[] sizes = new long[count + 1];
        java.util.Arrays.fill(sizes, -1);
        String[] uidls = new String[count + 1];
        // A big listing's two replies in one go (the server writes UIDL's while LIST's is parsed), on the
        // CAPA read after login; a small mailbox is listed one command at a time as before.
        boolean pipelined = count >= PIPELINED_LISTING && pipelining;
        Pop3Client.Answered answered = c.listAndUidl(count, pipelined,
                (n, size) -> sizes[n] = Listings.size(size, "LIST size"), (n, uidl) -> uidls[n] = uidl);
        if (!answered.uidl() && count > 0) {
            LOG.warn("the server gives no UIDL; identifying messages by a digest of their headers");
        }
        UidlKeys keys = new UidlKeys();
        List<Listed> out = new ArrayList<>(count);
        for (int n = 1; n <= count; n++) {
            String u = uidls[n];
            if (u == null) {
                if (answered.uidl()) {
                    throw new Pop3Exception(Pop3Exception.Kind.PROTOCOL, "the UIDL reply leaves out message " + n);
                }
                u = headerDigest(c, n);
            }
            out.add(new Listed(n, keys.key(u), sizes[n]));
        }
        return markPositional(out);
    }

    /**
     * A UIDL the server repeated got "#2", "#3", … in listing order (UidlKeys): its key and the plain
     * one it repeats name a message only by its place in this listing.
     */
    private static List<Listed> markPositional(List<Listed> listing) {
        java.util.Set<String> repeated = new java.util.HashSet<>();
        for (Listed m : listing) {
            int suffix = m.uidl().lastIndexOf('#');
            if (suffix > 0 && m.uidl().substring(suffix + 1).chars().allMatch(Character::isDigit)) {
                repeated.add(m.uidl());
                repeated.add(m.uidl().substring(0, suffix));
            }
        }
        if (repeated.isEmpty()) {
            return listing;
        }
        List<Listed> out = new ArrayList<>(listing.size());
        for (Listed m : listing) {
            out.add(repeated.contains(m.uidl()) ? new Listed(m.number(), m.uidl(), m.size(), true) : m);
        }
        return out;
    }

    /** POP3 numbers messages 1..count, and count is at most mailfetch.fetch.max-listing. */
    private static int number(Listed message) {
        return Math.toIntExact(message.number());
    }

    /** "hdr-" and 40 hex digits of SHA-256 over the message's headers as name:value lines (as before). */
    private static String headerDigest(Pop3Client c, int n) throws IOException {
        byte[] top = c.headers(n, MAX_HEADER_BYTES);
        if (top == null) {
            throw new Pop3Exception(Pop3Exception.Kind.REFUSED, "the server has neither UIDL nor TOP (message " + n + ")");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // the names and values InternetHeaders gave, so the keys stay those of earlier versions; a block
            // it threw on (a continuation line first) no longer fails every listing of the account
            HeaderBlock headers = HeaderBlock.parse(top, top.length);
            for (int i = 0; i < headers.size(); i++) {
                sha.update((headers.name(i) + ":" + headers.value(i) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "hdr-" + HexFormat.of().formatHex(sha.digest()).substring(0, 40);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSL context that trusts exactly the account's configured certificate(s); verification stays on. */
    static SSLContext trusting(String pem) {
        return org.mailfetch.fetch.AccountTrust.trusting(pem);
    }

    @Override
    public int connections() {
        return connections;
    }

    @Override
    public List<Listed> listing() {
        return listing;
    }

    @Override
    public Listed find(String key) {
        return byKey.get(key);
    }

    @Override
    public boolean usable() {
        return client != null && client.usable();
    }

    @Override
    public void deadline(long nanoTime) {
        this.deadlineNanos = nanoTime;
        if (client != null) {
            client.deadline(nanoTime);
        }
    }

    @Override
    public void reconnect() throws IOException {
        if (client != null) {
            client.close();
            client = null;
        }
        sentThrough = -1;
        open();
    }

    @Override
    public void plan(List<Listed> messages) {
        List<String> keys = new ArrayList<>(messages.size());
        Map<String, Integer> at = new HashMap<>(messages.size() * 2);
        for (Listed m : messages) {
            at.putIfAbsent(m.uidl(), keys.size());
            keys.add(m.uidl());
        }
        plan = keys;
        planIndex = at;
        sentThrough = -1;
    }

    @Override
    public long retrieve(Listed message, OutputStream out, long max) throws IOException {
        int number = number(message);
        Integer at = pipelining && !lockstep ? planIndex.get(message.uidl()) : null;
        if (at == null) {
            return client.retrieve(number, out, max);
        }
        try {
            sendAhead(at, message, max);
            return client.retrieve(number, out, max);
        } catch (NoReplyException e) {
            // a server that announces PIPELINING but loses commands sent ahead: wait for each reply from now on
            LOG.info("no reply to a RETR sent ahead; the rest of this session sends one command at a time");
            lockstep = true;
            throw e;
        }
    }

    /**
     * Keeps RETRs in flight for the planned messages from {@code at} on (RFC 2449 PIPELINING), so that
     * small messages do not each wait a round trip: at most {@link #PIPELINE_DEPTH} commands, and more
     * than one only while their LIST sizes add up to at most {@link #PIPELINE_BYTES} — what a session
     * that stops early must read and throw away before its DELEs and QUIT. Larger messages go one ahead
     * of the one being read while the two add up to at most {@link #AHEAD_BYTES}.
     */
    private void sendAhead(int at, Listed message, long max) throws IOException {
        if (!client.nextInFlight(number(message))) {
            if (client.retrsInFlight() > 0) {
                // asked out of plan order: the client sorts out what is in flight; nothing more is sent now
                sentThrough = Math.max(sentThrough, at);
                return;
            }
            sentThrough = at - 1;
        } else if (client.retrsInFlight() > PIPELINE_DEPTH / 2) {
            // topped up in batches: one write(2) carries half the window of commands, not one a message
            return;
        }
        for (int i = Math.max(sentThrough + 1, at); i < plan.size(); i++) {
            Listed next = i == at ? message : byKey.get(plan.get(i));
            if (next != null) {
                int n = client.retrsInFlight();
                long bytes = client.bytesInFlight() + next.size();
                boolean fits = n == 0 || n < PIPELINE_DEPTH && next.size() >= 0 && next.size() <= max
                        && (bytes <= PIPELINE_BYTES || n == 1 && bytes <= AHEAD_BYTES);
                if (!fits) {
                    return;
                }
                client.sendRetr(number(next), max, next.size());
            }
            sentThrough = i; // a message gone from this connection's listing is not asked for
        }
    }

    @Override
    public long bytesInFlight() {
        return usable() ? client.bytesInFlight() : 0;
    }

    @Override
    public boolean markDeleted(Listed message) throws IOException {
        Pop3Reply r = client.delete(number(message));
        if (!r.ok()) {
            LOG.warn("the server refused DELE of UIDL {}: {}", message.uidl(), r);
        }
        return r.ok();
    }

    @Override
    public void quit() throws IOException {
        if (!usable()) {
            close();
            throw new IOException("the connection was lost before QUIT: no DELE was applied");
        }
        Pop3Reply r = client.quit();
        if (!r.ok()) {
            throw new Pop3Exception(r.temporary() ? Pop3Exception.Kind.TEMPORARY : Pop3Exception.Kind.REFUSED,
                    "QUIT refused, the server applied no DELE: " + r);
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
