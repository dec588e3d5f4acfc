package org.mailfetch.fetch.imap;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.FolderClosedException;
import jakarta.mail.FolderNotFoundException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.StoreClosedException;
import jakarta.mail.UIDFolder;
import org.eclipse.angus.mail.iap.BadCommandException;
import org.eclipse.angus.mail.iap.ByteArray;
import org.eclipse.angus.mail.iap.CommandFailedException;
import org.eclipse.angus.mail.iap.ConnectionException;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.imap.protocol.BODY;
import org.eclipse.angus.mail.imap.protocol.FetchResponse;
import org.eclipse.angus.mail.imap.protocol.IMAPResponse;
import org.eclipse.angus.mail.imap.protocol.UID;
import org.mailfetch.mail.Printable;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.account.ImapOptionsStore;
import org.mailfetch.fetch.AccountTrust;
import org.mailfetch.fetch.FetchContext;
import org.mailfetch.fetch.NoReplyException;
import org.mailfetch.fetch.Retriever;
import org.mailfetch.fetch.ServerException;
import org.mailfetch.fetch.SessionDeadlineException;
import org.mailfetch.fetch.TooLargeException;
import org.mailfetch.fetch.UidlLedger;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.net.Watchdog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP session of an account over Angus Mail: log in (SSL, STARTTLS or plain, trust and host
 * name checked as for POP3), list every configured folder — UIDVALIDITY, and per message UID,
 * RFC822.SIZE and INTERNALDATE, plus the Message-ID of messages the ledger does not know — and
 * stream single messages with {@code UID FETCH uid (UID BODY.PEEK[]<offset.length>)} in chunks of
 * {@value #CHUNK} bytes, so that fetching sets no \Seen and holds at most one chunk in memory.
 *
 * <p>Ledger keys are {@code <folder>;<UIDVALIDITY>;<UID>} ({@link ImapKeys}). When a folder's
 * UIDVALIDITY is not the one its ledger rows were recorded under, rows whose message digest (folder,
 * Message-ID, INTERNALDATE, size) matches a listed message are re-keyed to it before the session
 * reads the ledger: the renumbered folder is not delivered again.
 *
 * <p>Deletions are collected and applied at {@link #quit()}, folder by folder: {@code UID STORE
 * +FLAGS (\Deleted)} then {@code UID EXPUNGE} (UIDPLUS); without UIDPLUS a plain EXPUNGE only when no
 * other message of the folder is flagged \Deleted, else nothing is expunged and quit says so. With a
 * move-to folder: MOVE, or COPY and delete as above. With mark-seen, delivered messages that stay
 * get \Seen at quit, after their delivery is durable.
 */
public final class ImapRetriever implements Retriever {

    private static final Logger LOG = LoggerFactory.getLogger(ImapRetriever.class);
    /** Bytes asked for per partial FETCH of a message body: the most of one message held in memory. */
    static final int CHUNK = 1 << 20;
    /**
     * The most one IMAP response may hold (a chunk, its framing, and room for unsolicited updates):
     * Angus would otherwise allocate whatever size a server announces for a literal.
     */
    static final long MAX_RESPONSE = CHUNK + (256L << 10);

    private final Account account;
    private final Credential credential;
    private final FetchContext context;
    private final ImapOptions options;
    private final UidlLedger ledger;
    private long deadlineNanos;
    private Watchdog watchdog;
    private ImapSockets sockets;
    private IMAPStore store;
    /** The selected folder; one at a time, so that the session uses one connection. */
    private IMAPFolder selected;
    private boolean broken;
    private int connections;
    private List<Listed> listing = List.of();
    private Map<String, Listed> byKey = Map.of();
    /** Per ledger key of the listing: its folder. */
    private Map<String, String> folderOf = Map.of();
    /** Per listed folder: the UIDVALIDITY the listing holds. */
    private final Map<String, Long> uidValidity = new HashMap<>();
    private final List<String> remarks = new ArrayList<>();
    private boolean complete;
    /** Per folder: the UIDs marked for deletion (or the move), and those to get \Seen. */
    private final Map<String, Set<Long>> marked = new LinkedHashMap<>();
    private final Map<String, Set<Long>> seen = new LinkedHashMap<>();

    private ImapRetriever(Account account, Credential credential, FetchContext context, ImapOptions options,
                          UidlLedger ledger, long deadlineNanos) {
        this.account = account;
        this.credential = credential;
        this.context = context;
        this.options = options;
        this.ledger = ledger;
        this.deadlineNanos = deadlineNanos;
    }

    /** How FetchSessions opens IMAP sessions: the account's IMAP options and ledger come from these. */
    public static Retriever.Opener opener(ImapOptionsStore optionsStore, UidlLedger ledger) {
        return (account, credential, context, deadlineNanos) -> connect(account, credential, context, deadlineNanos,
                optionsStore.get(account.id()), ledger);
    }

    /** Connects, logs in and lists every folder; no read waits past {@code deadlineNanos} (System.nanoTime()). */
    public static ImapRetriever connect(Account account, Credential credential, FetchContext context, long deadlineNanos,
                                        ImapOptions options, UidlLedger ledger) throws IOException {
        ImapRetriever r = new ImapRetriever(account, credential, context, options, ledger, deadlineNanos);
        r.open();
        return r;
    }

    private void open() throws IOException {
        connections++;
        broken = false;
        selected = null;
        marked.clear();
        seen.clear();
        remarks.clear();
        uidValidity.clear();
        complete = true;
        sockets = new ImapSockets(AccountTrust.of(account), account.security() == Security.SSL,
                (int) context.readTimeout().toMillis(), MAX_RESPONSE, context.maxListing());
        armWatchdog();
        try {
            store = ImapOAuth.store(Session.getInstance(properties(sockets)), credential);
            store.connect(account.host(), account.port(), account.userName(), ImapOAuth.secret(credential));
            list();
        } catch (MessagingException e) {
            IOException failure = failure("login and listing", e);
            closeQuietly();
            throw failure;
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    private Properties properties(ImapSockets s) {
        Properties p = AngusConnection.properties(account.security(), context.connectTimeout(), context.readTimeout(),
                s.plain(), s.tls());
        p.setProperty("mail.imap.peek", "true");
        p.setProperty("mail.imap.partialfetch", "true");
        p.setProperty("mail.imap.fetchsize", String.valueOf(CHUNK));
        ImapOAuth.configure(p, credential, account.userName(), account.host(), account.port());
        return p;
    }

    /** Whether anything may be written to the folders (flags, expunge, move): else they are opened read-only. */
    private boolean writes() {
        return account.deleteMode().kind() != DeleteMode.Kind.NEVER || options.markSeen();
    }

    private void list() throws MessagingException, IOException {
        Map<String, UidlLedger.Row> rows = ledger.rows(account.id());
        Map<String, String> digests = ledger.messageDigests(account.id());
        List<Listed> all = new ArrayList<>();
        Map<String, String> folders = new HashMap<>();
        for (String name : options.folders()) {
            List<Listed> inFolder;
            try {
                inFolder = listFolder(name, rows, digests, all.size());
            } catch (FolderNotFoundException e) {
                missing(name, "does not exist on the server");
                continue;
            } catch (MessagingException e) {
                if (!refused(e)) {
                    throw e;
                }
                missing(name, "cannot be opened (" + e.getMessage() + ")");
                continue;
            }
            for (Listed m : inFolder) {
                folders.put(m.uidl(), name);
            }
            all.addAll(inFolder);
        }
        listing = List.copyOf(all);
        folderOf = folders;
        byKey = new HashMap<>(listing.size() * 2);
        for (Listed m : listing) {
            byKey.put(m.uidl(), m);
        }
    }

    private void missing(String folder, String why) {
        complete = false;
        selected = null;
        // the status is read raw by JMX and REST clients: the server's words are escaped here
        remarks.add(Printable.escape("folder " + folder + " " + why + "; the other folders are fetched, its ledger rows kept",
                Printable.MAX_CHARS));
    }

    private static boolean refused(MessagingException e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof CommandFailedException) {
                return true;
            }
        }
        return false;
    }

    /** Lists one folder, re-keying the ledger rows of a renumbered folder first. */
    private List<Listed> listFolder(String name, Map<String, UidlLedger.Row> rows, Map<String, String> digests,
                                    int listedBefore) throws MessagingException, IOException {
        IMAPFolder f = select(name);
        long validity = f.getUIDValidity();
        uidValidity.put(name, validity);
        String part = ImapKeys.folderPart(name);
        int count = f.getMessageCount();
        if (listedBefore + count > context.maxListing()) {
            throw new ServerException(ServerException.Kind.PROTOCOL, "the folders list " + (listedBefore + count)
                    + " messages, more than " + FetchContext.MAX_LISTING + " (" + context.maxListing() + ")");
        }
        Message[] messages = count == 0 ? new Message[0] : f.getMessages();
        FetchProfile profile = new FetchProfile();
        profile.add(UIDFolder.FetchProfileItem.UID);
        profile.add(FetchProfile.Item.SIZE);
        profile.add(IMAPFolder.FetchProfileItem.INTERNALDATE);
        f.fetch(messages, profile);
        String[] keys = new String[messages.length];
        List<Message> unknown = new ArrayList<>();
        for (int i = 0; i < messages.length; i++) {
            long uid = f.getUID(messages[i]);
            if (uid < 1) {
                throw new ServerException(ServerException.Kind.PROTOCOL, "folder " + name + " gave no UID for message "
                        + messages[i].getMessageNumber());
            }
            keys[i] = ImapKeys.key(part, validity, uid);
            if (!digests.containsKey(keys[i])) {
                unknown.add(messages[i]);
            }
        }
        if (!unknown.isEmpty()) {
            FetchProfile ids = new FetchProfile();
            ids.add("Message-ID");
            f.fetch(unknown.toArray(new Message[0]), ids);
        }
        Set<Message> needIdentity = Set.copyOf(unknown);
        List<Listed> out = new ArrayList<>(messages.length);
        for (int i = 0; i < messages.length; i++) {
            IMAPMessage m = (IMAPMessage) messages[i];
            long size = m.getSizeLong();
            Instant date = m.getReceivedDate() == null ? null : m.getReceivedDate().toInstant();
            String identity = null;
            if (needIdentity.contains(m)) {
                String[] id = m.getHeader("Message-ID");
                identity = ImapKeys.identity(part, id == null || id.length == 0 ? null : id[0], date, size);
            }
            out.add(new Listed(f.getUID(m), keys[i], size, false, identity, date));
        }
        rekeyIfRenumbered(name, part, validity, out, rows, digests);
        return out;
    }

    /**
     * A folder whose ledger rows carry another UIDVALIDITY was renumbered (recreated, restored):
     * rows whose digest matches a listed message that has no row yet take its new key, so that it
     * counts as delivered; the others stay under their old keys and are purged as gone.
     */
    private void rekeyIfRenumbered(String name, String part, long validity, List<Listed> listed,
                                   Map<String, UidlLedger.Row> rows, Map<String, String> digests) {
        Map<String, Deque<String>> oldByDigest = new HashMap<>();
        Set<Long> oldValidities = new TreeSet<>();
        for (Map.Entry<String, String> e : digests.entrySet()) {
            long v = ImapKeys.uidValidity(e.getKey(), part);
            if (v >= 0 && v != validity) {
                oldValidities.add(v);
                oldByDigest.computeIfAbsent(e.getValue(), d -> new ArrayDeque<>()).add(e.getKey());
            }
        }
        if (oldValidities.isEmpty()) {
            return;
        }
        Map<String, String> newKeys = new LinkedHashMap<>();
        int known = 0;
        for (Listed m : listed) {
            if (rows.containsKey(m.uidl())) {
                known++;
                continue;
            }
            Deque<String> old = m.identity() == null ? null : oldByDigest.get(m.identity());
            if (old != null && !old.isEmpty()) {
                newKeys.put(old.poll(), m.uidl());
            }
        }
        ledger.rekey(account.id(), newKeys);
        LOG.warn("UIDVALIDITY of folder {} changed from {} to {}; {} messages matched by digest, {} new", name,
                oldValidities.stream().map(String::valueOf).collect(Collectors.joining(", ")), validity, newKeys.size(),
                listed.size() - known - newKeys.size());
    }

    /** Selects the folder (closing the one selected before, without expunging anything). */
    private IMAPFolder select(String name) throws MessagingException {
        if (selected != null && selected.isOpen() && selected.getFullName().equals(name)) {
            return selected;
        }
        if (selected != null && selected.isOpen()) {
            selected.close(false);
        }
        selected = null;
        IMAPFolder f = (IMAPFolder) store.getFolder(name);
        f.open(writes() ? Folder.READ_WRITE : Folder.READ_ONLY);
        selected = f;
        return f;
    }

    /** Selects the listed message's folder and checks that its UIDs still mean what the listing says. */
    private IMAPFolder folderOf(String key) throws MessagingException, IOException {
        String name = folderOf.get(key);
        if (name == null) {
            throw new IllegalArgumentException("not in this connection's listing: " + key);
        }
        return selectListed(name);
    }

    private IMAPFolder selectListed(String name) throws MessagingException, IOException {
        IMAPFolder f = select(name);
        long now = f.getUIDValidity();
        if (now != uidValidity.get(name)) {
            broken = true; // the next connection lists afresh (and re-keys)
            throw new ServerException(ServerException.Kind.TEMPORARY, "UIDVALIDITY of folder " + name + " changed from "
                    + uidValidity.get(name) + " to " + now + " during the session");
        }
        return f;
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
    public boolean complete() {
        return complete;
    }

    @Override
    public List<String> remarks() {
        return List.copyOf(remarks);
    }

    @Override
    public boolean usable() {
        return store != null && !broken;
    }

    @Override
    public void deadline(long nanoTime) {
        this.deadlineNanos = nanoTime;
        armWatchdog();
    }

    private void armWatchdog() {
        if (watchdog != null) {
            watchdog.cancel();
        }
        ImapSockets current = sockets;
        if (current != null) {
            watchdog = Watchdog.closeAfter(current::closeAll, Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())));
        }
    }

    @Override
    public void reconnect() throws IOException {
        closeQuietly();
        open();
    }

    @Override
    public long retrieve(Listed message, OutputStream out, long max) throws IOException {
        long uid = message.number();
        long total = 0;
        try {
            IMAPFolder f = folderOf(message.uidl());
            while (true) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new SessionDeadlineException("the session deadline passed during UID FETCH " + uid);
                }
                if (total > Integer.MAX_VALUE - CHUNK) {
                    throw new TooLargeException(Math.min(max, total));
                }
                ByteArray chunk = fetchChunk(f, uid, (int) total);
                int n = chunk == null ? 0 : chunk.getCount();
                if (chunk == null && total == 0) {
                    throw new ServerException(ServerException.Kind.REFUSED, "UID FETCH " + uid + " in folder "
                            + f.getFullName() + " returned no message (expunged meanwhile?)");
                }
                if (total + n > max) {
                    throw new TooLargeException(max);
                }
                if (n > 0) {
                    out.write(chunk.getBytes(), chunk.getStart(), n);
                }
                total += n;
                if (n < CHUNK) {
                    return total;
                }
            }
        } catch (MessagingException e) {
            IOException failure = failure("UID FETCH " + uid, e);
            if (total == 0 && !(failure instanceof ServerException) && !(failure instanceof SessionDeadlineException)) {
                throw new NoReplyException("UID FETCH " + uid, failure);
            }
            throw failure;
        }
    }

    /**
     * One partial FETCH of a message: its bytes from {@code offset}, at most {@link #CHUNK} of them;
     * null when the server sent no body for it. A body for any other UID is a protocol error.
     */
    private ByteArray fetchChunk(IMAPFolder f, long uid, int offset) throws MessagingException, IOException {
        String command = "UID FETCH " + uid + " (UID BODY.PEEK[]<" + offset + "." + CHUNK + ">)";
        Object result = f.doCommand(p -> {
            Response[] responses = p.command(command, null);
            Response last = responses[responses.length - 1];
            ByteArray body = null;
            boolean found = false;
            String wrong = null;
            for (int i = 0; i < responses.length - 1; i++) {
                if (!(responses[i] instanceof FetchResponse fr)) {
                    continue;
                }
                BODY b = fr.getItem(BODY.class);
                if (b == null) {
                    continue; // an unsolicited update (FLAGS of another message)
                }
                UID u = fr.getItem(UID.class);
                if (u == null || u.uid != uid || found || b.getOrigin() != offset) {
                    wrong = u == null ? "a body without its UID" : found ? "the body twice"
                            : u.uid != uid ? "the body of UID " + u.uid : "a body from offset " + b.getOrigin();
                } else {
                    body = b.getByteArray();
                    found = true;
                }
                responses[i] = null;
            }
            p.notifyResponseHandlers(responses);
            p.handleResult(last);
            return wrong != null ? wrong : found ? body : null;
        });
        if (result instanceof String wrong) {
            broken = true; // what else the server sends cannot be trusted to belong where it says
            throw new ServerException(ServerException.Kind.PROTOCOL, "asked for UID " + uid + " from offset " + offset
                    + ", the server sent " + wrong);
        }
        return (ByteArray) result;
    }

    @Override
    public boolean markDeleted(Listed message) {
        String folder = folderOf.get(message.uidl());
        if (folder == null) {
            return false;
        }
        marked.computeIfAbsent(folder, f -> new TreeSet<>()).add(message.number());
        return true;
    }

    @Override
    public void delivered(Listed message) {
        String folder = folderOf.get(message.uidl());
        if (options.markSeen() && folder != null) {
            seen.computeIfAbsent(folder, f -> new TreeSet<>()).add(message.number());
        }
    }

    @Override
    public boolean wantsDelivered() {
        return options.markSeen();
    }

    @Override
    public void quit() throws IOException {
        if (!usable()) {
            close();
            throw new IOException("the connection was lost before the deletions were applied: none was applied");
        }
        Set<String> folders = new LinkedHashSet<>(marked.keySet());
        folders.addAll(seen.keySet());
        String applying = null;
        try {
            for (String name : folders) {
                applying = name;
                apply(name, marked.getOrDefault(name, Set.of()), seen.getOrDefault(name, Set.of()));
            }
        } catch (MessagingException e) {
            IOException failure = failure("applying the deletions in folder " + applying, e);
            close();
            throw failure;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        marked.clear();
        seen.clear();
        close(); // every change is confirmed; LOGOUT may fail without undoing any
    }

    /** Marks as seen what stays, then deletes (or moves) what is marked, in one folder; throws unless confirmed. */
    private void apply(String name, Set<Long> delete, Set<Long> markSeen) throws MessagingException, IOException {
        IMAPFolder f = selectListed(name);
        Set<Long> staying = new TreeSet<>(markSeen);
        staying.removeAll(delete);
        if (!staying.isEmpty()) {
            Message[] ms = present(f, staying);
            if (ms.length > 0) {
                f.setFlags(ms, new Flags(Flags.Flag.SEEN), true);
            }
        }
        if (delete.isEmpty()) {
            return;
        }
        Message[] ms = present(f, delete);
        if (ms.length == 0) {
            return;
        }
        if (options.moveTo() != null) {
            IMAPFolder target = (IMAPFolder) store.getFolder(options.moveTo());
            if (hasCapability(f, "MOVE")) {
                f.moveMessages(ms, target);
                LOG.info("moved {} messages from {} to {}", ms.length, name, options.moveTo());
                return;
            }
            if (!hasCapability(f, "UIDPLUS")) {
                // refused before the COPY: a copy whose expunge is then refused would be copied again every session
                refuseIfOthersDeleted(f, name, delete, "the " + ms.length + " delivered message(s) are neither copied nor"
                        + " flagged");
            }
            f.copyMessages(ms, target);
        }
        f.setFlags(ms, new Flags(Flags.Flag.DELETED), true);
        if (hasCapability(f, "UIDPLUS")) {
            f.expunge(ms); // UID EXPUNGE: only these
            return;
        }
        refuseIfOthersDeleted(f, name, delete, "the " + ms.length + " delivered message(s) stay flagged \\Deleted,"
                + " not expunged");
        f.expunge();
    }

    /** Without UIDPLUS, EXPUNGE removes every \Deleted message: refused while another one is flagged. */
    private static void refuseIfOthersDeleted(IMAPFolder f, String name, Set<Long> ours, String outcome)
            throws MessagingException, ServerException {
        Set<Long> others = deletedUids(f);
        others.removeAll(ours);
        if (!others.isEmpty()) {
            throw new ServerException(ServerException.Kind.REFUSED, "folder " + name + ": the server has no UIDPLUS and "
                    + others.size() + " other message(s) there are flagged \\Deleted, which EXPUNGE would remove too; "
                    + outcome);
        }
    }

    /** The messages of these UIDs still in the folder. */
    private static Message[] present(IMAPFolder f, Collection<Long> uids) throws MessagingException {
        long[] wanted = uids.stream().mapToLong(Long::longValue).toArray();
        List<Message> out = new ArrayList<>();
        for (Message m : f.getMessagesByUID(wanted)) {
            if (m != null) {
                out.add(m);
            }
        }
        return out.toArray(new Message[0]);
    }

    /** Asked on the selected folder's connection: the store's own would open a second connection. */
    private static boolean hasCapability(IMAPFolder f, String capability) throws MessagingException {
        return (Boolean) f.doCommand(p -> p.hasCapability(capability));
    }

    /** {@code UID SEARCH DELETED}: every UID flagged \Deleted in the folder. */
    private static Set<Long> deletedUids(IMAPFolder f) throws MessagingException {
        @SuppressWarnings("unchecked")
        Set<Long> out = (Set<Long>) f.doCommand(p -> {
            Response[] responses = p.command("UID SEARCH DELETED", null);
            Set<Long> uids = new TreeSet<>();
            for (int i = 0; i < responses.length - 1; i++) {
                if (responses[i] instanceof IMAPResponse r && r.keyEquals("SEARCH")) {
                    for (long n = r.readLong(); n != -1; n = r.readLong()) {
                        uids.add(n);
                    }
                    responses[i] = null;
                }
            }
            p.notifyResponseHandlers(responses);
            p.handleResult(responses[responses.length - 1]);
            return uids;
        });
        return out;
    }

    /** What went wrong, as the kinds FetchSession and the status know. */
    private IOException failure(String what, MessagingException e) {
        if (watchdog != null && watchdog.expired()) {
            broken = true;
            return new SessionDeadlineException("the session deadline passed during " + what);
        }
        if (e instanceof AuthenticationFailedException) {
            String text = String.valueOf(e.getMessage());
            return new ServerException(text.contains("[UNAVAILABLE]") || text.contains("[INUSE]")
                    ? ServerException.Kind.TEMPORARY : ServerException.Kind.LOGIN_REFUSED, "login: " + text);
        }
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ImapOAuth.NotOffered) {
                broken = true;
                return new ServerException(ServerException.Kind.REFUSED, "login: " + c.getMessage());
            }
            if (c instanceof IOException io) {
                broken = true;
                return new IOException(what + ": " + io.getMessage(), io);
            }
            if (c instanceof ConnectionException || c instanceof FolderClosedException || c instanceof StoreClosedException) {
                broken = true;
                SocketException lost = new SocketException("connection lost during " + what + ": " + c.getMessage());
                lost.initCause(e);
                return lost;
            }
            if (c instanceof CommandFailedException) {
                String text = String.valueOf(c.getMessage());
                return new ServerException(text.contains("[UNAVAILABLE]") || text.contains("[INUSE]")
                        || text.contains("[LIMIT]") ? ServerException.Kind.TEMPORARY : ServerException.Kind.REFUSED,
                        what + ": " + text);
            }
            if (c instanceof BadCommandException || c instanceof ProtocolException) {
                broken = true;
                return new ServerException(ServerException.Kind.PROTOCOL, what + ": " + c.getMessage());
            }
        }
        return new ServerException(ServerException.Kind.REFUSED, what + ": " + e.getMessage());
    }

    @Override
    public void close() {
        closeQuietly();
        if (watchdog != null) {
            watchdog.cancel();
        }
    }

    /** Ends the connection without applying anything: the folder is left with UNSELECT (no expunge), then LOGOUT. */
    private void closeQuietly() {
        IMAPStore s = store;
        ImapSockets socks = sockets;
        store = null;
        selected = null;
        if (s == null) {
            if (socks != null) {
                socks.closeAll();
            }
            return;
        }
        if (broken) {
            socks.closeAll();
        }
        Watchdog bound = Watchdog.closeAfter(socks::closeAll, context.readTimeout());
        try {
            s.close();
        } catch (MessagingException | RuntimeException e) {
            LOG.debug("closing the IMAP connection: {}", e.getMessage());
        } finally {
            bound.cancel();
            socks.closeAll();
        }
    }
}
