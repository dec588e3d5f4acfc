package org.mailfetch.fetch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.Header;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.mailfetch.account.Account;
import org.mailfetch.account.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POP3 connection through Jakarta Mail (Angus): log in, list every message with its UIDL in one
 * command, stream RETR of single messages, mark messages for DELE, and QUIT. POP3 applies DELE only
 * at QUIT, which {@link #close(boolean)} sends.
 */
public final class Pop3Retriever implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Retriever.class);

    /** A message on the server as listed at login: its number, UIDL and size. */
    public record Listed(int number, String uidl, long size) {}

    private final Store store;
    private final POP3Folder folder;
    private final Message[] messages;
    private final List<Listed> listing;

    private Pop3Retriever(Store store, POP3Folder folder, Message[] messages, List<Listed> listing) {
        this.store = store;
        this.folder = folder;
        this.messages = messages;
        this.listing = listing;
    }

    /**
     * Connects, logs in and lists. {@code readWrite} opens the mailbox so that DELE is possible;
     * accounts that never delete open it read-only.
     */
    public static Pop3Retriever connect(Account account, String password, Duration connectTimeout, Duration readTimeout,
                                        boolean readWrite) throws MessagingException {
        Session session = Session.getInstance(properties(account, connectTimeout, readTimeout));
        Store store = session.getStore(account.security() == Security.SSL ? "pop3s" : "pop3");
        try {
            store.connect(account.host(), account.port(), account.userName(), password);
            POP3Folder folder = (POP3Folder) store.getFolder("INBOX");
            folder.open(readWrite ? Folder.READ_WRITE : Folder.READ_ONLY);
            Message[] messages = folder.getMessages();
            // One UIDL and one LIST. Not Message.getSize(): Angus loads each message's headers for it
            // (TOP, or a whole RETR held in memory on servers without TOP) and returns the body size.
            FetchProfile profile = new FetchProfile();
            profile.add(UIDFolder.FetchProfileItem.UID);
            folder.fetch(messages, profile);
            int[] sizes = folder.getSizes();
            return new Pop3Retriever(store, folder, messages, list(account, folder, messages, sizes));
        } catch (MessagingException | RuntimeException e) {
            closeQuietly(store);
            throw e;
        }
    }

    private static List<Listed> list(Account account, POP3Folder folder, Message[] messages, int[] sizes)
            throws MessagingException {
        List<Listed> out = new ArrayList<>(messages.length);
        Set<String> seen = new HashSet<>();
        boolean warned = false;
        for (Message m : messages) {
            String uidl = folder.getUID(m);
            if (uidl == null) {
                if (!warned) {
                    LOG.warn("{}: the server gives no UIDL; identifying messages by a digest of their headers",
                            account.label());
                    warned = true;
                }
                uidl = headerDigest(m);
            }
            // A broken server may repeat a UIDL; a suffix keeps both messages apart rather than skip one.
            String unique = uidl;
            for (int n = 2; !seen.add(unique); n++) {
                unique = uidl + "#" + n;
            }
            int n = m.getMessageNumber();
            out.add(new Listed(n, unique, n <= sizes.length ? sizes[n - 1] : -1));
        }
        return out;
    }

    private static String headerDigest(Message m) throws MessagingException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Enumeration<Header> e = m.getAllHeaders(); e.hasMoreElements(); ) {
                Header h = e.nextElement();
                sha.update((h.getName() + ":" + h.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "hdr-" + HexFormat.of().formatHex(sha.digest()).substring(0, 40);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Properties properties(Account account, Duration connectTimeout, Duration readTimeout) {
        String p = account.security() == Security.SSL ? "mail.pop3s." : "mail.pop3.";
        Properties props = new Properties();
        props.put(p + "connectiontimeout", String.valueOf(connectTimeout.toMillis()));
        props.put(p + "timeout", String.valueOf(readTimeout.toMillis()));
        props.put(p + "ssl.checkserveridentity", "true");
        if (account.security() == Security.STARTTLS || account.security() == Security.STARTTLS_OPTIONAL) {
            props.put(p + "starttls.enable", "true");
            props.put(p + "starttls.required", String.valueOf(account.security() == Security.STARTTLS));
        }
        if (account.trustCertPem() != null && !account.trustCertPem().isBlank()) {
            props.put(p + "ssl.socketFactory", trusting(account.trustCertPem()).getSocketFactory());
        }
        return props;
    }

    /** An SSL context that trusts exactly the account's configured certificate(s); verification stays on. */
    static SSLContext trusting(String pem) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                trust.setCertificateEntry("trusted-" + i++, cert);
            }
            if (i == 0) {
                throw new IllegalArgumentException("the trusted certificate holds no PEM certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the trusted certificate: " + e.getMessage(), e);
        }
    }

    public List<Listed> listing() {
        return listing;
    }

    /** Streams RETR of one message into {@code out}: nothing of the message is held in memory. */
    public void retrieve(Listed message, OutputStream out) throws MessagingException, IOException {
        messages[message.number() - 1].writeTo(out);
    }

    /** Marks a message for DELE; the server applies it at QUIT. */
    public void markDeleted(Listed message) throws MessagingException {
        messages[message.number() - 1].setFlag(jakarta.mail.Flags.Flag.DELETED, true);
    }

    /**
     * Sends the pending DELEs (when {@code expunge}) and QUIT. Throws when deletions were asked for but
     * the connection is already gone (Angus closes the folder itself on a lost connection): then no
     * DELE took effect and the caller must not count any.
     */
    public void close(boolean expunge) throws MessagingException {
        try {
            if (folder.isOpen()) {
                folder.close(expunge);
            } else if (expunge) {
                throw new MessagingException("the connection was lost before QUIT: no DELE was applied");
            }
        } finally {
            closeQuietly(store);
        }
    }

    @Override
    public void close() throws MessagingException {
        close(false);
    }

    private static void closeQuietly(Store store) {
        try {
            store.close();
        } catch (MessagingException e) {
            LOG.debug("closing the POP3 store: {}", e.getMessage());
        }
    }
}
