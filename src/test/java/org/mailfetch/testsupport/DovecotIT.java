package org.mailfetch.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proves that {@link Dovecot} gives tests a real POP3/POP3S/LMTP server with mail in it. */
class DovecotIT {

    @AutoClose
    static Dovecot dovecot;

    @BeforeAll
    static void startDovecot() throws IOException {
        long started = System.nanoTime();
        dovecot = Dovecot.start();
        System.out.println("Dovecot started in " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
    }

    @Test
    void pop3ListsDeliveredMessagesWithDistinctUidls() throws Exception {
        dovecot.addUser("alice", "alice-secret");
        for (int i = 1; i <= 3; i++) {
            dovecot.deliver("alice", message("alice", "hello " + i));
        }

        Store store = connect("pop3", dovecot.pop3Port(), "alice", "alice-secret", new Properties());
        try (store; Folder inbox = store.getFolder("INBOX")) {
            inbox.open(Folder.READ_ONLY);
            Message[] messages = inbox.getMessages();
            FetchProfile uids = new FetchProfile();
            uids.add(UIDFolder.FetchProfileItem.UID);
            inbox.fetch(messages, uids);

            assertEquals(3, messages.length);
            Set<String> subjects = new HashSet<>();
            Set<String> uidls = new HashSet<>();
            for (Message m : messages) {
                subjects.add(m.getSubject());
                uidls.add(((POP3Folder) inbox).getUID(m));
            }
            assertEquals(Set.of("hello 1", "hello 2", "hello 3"), subjects);
            assertEquals(3, uidls.size());
            assertTrue(uidls.stream().allMatch(uidl -> uidl != null && !uidl.isBlank()), uidls::toString);
        }
    }

    @Test
    void deleAppliesAtQuit() throws Exception {
        dovecot.addUser("bob", "bob-secret");
        dovecot.deliver("bob", message("bob", "keep"));
        dovecot.deliver("bob", message("bob", "drop"));

        Store store = connect("pop3", dovecot.pop3Port(), "bob", "bob-secret", new Properties());
        try (store) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            for (Message m : inbox.getMessages()) {
                if (m.getSubject().equals("drop")) {
                    m.setFlag(Flags.Flag.DELETED, true);
                }
            }
            assertEquals(2, dovecot.messageCount("bob"), "DELE must wait for QUIT");
            inbox.close(true);
        }

        assertEquals(1, dovecot.messageCount("bob"));
        assertEquals(List.of("keep"), subjects("bob", "bob-secret"));
    }

    @Test
    void pop3sVerifiesTheSelfSignedCertificateFromItsPem() throws Exception {
        dovecot.addUser("carol", "carol-secret");
        dovecot.deliver("carol", message("carol", "over tls"));

        Properties props = new Properties();
        props.put("mail.pop3s.ssl.socketFactory", dovecot.clientSslContext().getSocketFactory());
        props.put("mail.pop3s.ssl.checkserveridentity", "true");
        Store store = connect("pop3s", dovecot.pop3sPort(), "carol", "carol-secret", props);
        try (store; Folder inbox = store.getFolder("INBOX")) {
            inbox.open(Folder.READ_ONLY);
            assertEquals("over tls", inbox.getMessage(1).getSubject());
        }
    }

    @Test
    void pop3sFailsWithoutTrustInTheCertificate() throws Exception {
        dovecot.addUser("dave", "dave-secret");

        MessagingException e = assertThrows(MessagingException.class,
                () -> connect("pop3s", dovecot.pop3sPort(), "dave", "dave-secret", new Properties()).close());
        assertTrue(hasCause(e, SSLHandshakeException.class), () -> "expected a handshake failure, got " + e);
    }

    @Test
    void plainPortOffersStls() throws Exception {
        dovecot.addUser("erin", "erin-secret");

        Properties props = new Properties();
        props.put("mail.pop3.starttls.required", "true");
        props.put("mail.pop3.ssl.socketFactory", dovecot.clientSslContext().getSocketFactory());
        props.put("mail.pop3.ssl.checkserveridentity", "true");
        POP3Store store = (POP3Store) connect("pop3", dovecot.pop3Port(), "erin", "erin-secret", props);
        try (store) {
            assertTrue(store.isSSL(), "session must have been upgraded by STLS");
        }
    }

    @Test
    void lmtpDeliversIntoTheUsersMaildir() throws Exception {
        dovecot.addUser("frank@example.org", "frank-secret");

        try (Socket socket = new Socket(dovecot.host(), dovecot.lmtpPort())) {
            socket.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            expect(in, "220");
            send(out, "LHLO test");
            while (!in.readLine().startsWith("250 ")) {
                // skip the extension lines
            }
            send(out, "MAIL FROM:<sender@example.net>");
            expect(in, "250");
            send(out, "RCPT TO:<frank@example.org>");
            expect(in, "250");
            send(out, "DATA");
            expect(in, "354");
            send(out, "Subject: via lmtp\r\n\r\nbody\r\n.");
            expect(in, "250");
            send(out, "QUIT");
        }

        assertEquals(1, dovecot.messageCount("frank@example.org"));
        assertEquals(List.of("via lmtp"), subjects("frank@example.org", "frank-secret"));
    }

    @Test
    void deliverIsFastEnoughToFillBenchmarkMailboxes() throws Exception {
        dovecot.addUser("grace", "grace-secret");
        byte[] message = message("grace", "bulk");

        long started = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            dovecot.deliver("grace", message);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.println("delivered 2000 messages in " + took.toMillis() + " ms");

        assertEquals(2000, dovecot.messageCount("grace"));
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, took::toString);
    }

    private static byte[] message(String to, String subject) {
        String text = "From: sender@example.net\n"
                + "To: " + to + "\n"
                + "Subject: " + subject + "\n"
                + "Message-ID: <" + System.nanoTime() + "@example.net>\n"
                + "\n"
                + "Body of " + subject + ".\n";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static Store connect(String protocol, int port, String user, String password, Properties props)
            throws MessagingException {
        props.put("mail." + protocol + ".connectiontimeout", "5000");
        props.put("mail." + protocol + ".timeout", "5000");
        Store store = Session.getInstance(props).getStore(protocol);
        store.connect(dovecot.host(), port, user, password);
        return store;
    }

    private static List<String> subjects(String user, String password) throws MessagingException {
        Store store = connect("pop3", dovecot.pop3Port(), user, password, new Properties());
        try (store; Folder inbox = store.getFolder("INBOX")) {
            inbox.open(Folder.READ_ONLY);
            List<String> subjects = new ArrayList<>();
            for (Message m : inbox.getMessages()) {
                subjects.add(m.getSubject());
            }
            return subjects;
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String reply = in.readLine();
        assertNotNull(reply, "connection closed, expected " + code);
        assertTrue(reply.startsWith(code), () -> "expected " + code + ", got " + reply + "\n" + dovecot.logTail(10));
    }
}
