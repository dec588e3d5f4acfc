package org.mailfetch.testsupport;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * GreenMail IMAP on a free 127.0.0.1 port, filled and inspected over IMAP itself (APPEND with a
 * chosen INTERNALDATE, flags and subjects per folder): what a test sees is what any client sees.
 */
public final class ImapServer implements AutoCloseable {

    private final GreenMail greenMail;

    public ImapServer() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        greenMail.start();
    }

    public int port() {
        return greenMail.getImap().getPort();
    }

    public void user(String login, String password) {
        greenMail.setUser(login + "@imap.example.net", login, password);
    }

    /** A client view of one user's mailbox on any IMAP server (this one, or Dovecot). */
    public static Mailbox mailbox(int port, String user, String password) {
        return new Mailbox(port, user, password);
    }

    public Mailbox mailbox(String user, String password) {
        return mailbox(port(), user, password);
    }

    @Override
    public void close() {
        greenMail.stop();
    }

    /** A plain IMAP client: append messages, read subjects and flags, create and delete folders. */
    public static final class Mailbox {
        private final int port;
        private final String user;
        private final String password;

        Mailbox(int port, String user, String password) {
            this.port = port;
            this.user = user;
            this.password = password;
        }

        private Store connect() throws MessagingException {
            Properties p = new Properties();
            p.setProperty("mail.imap.peek", "true");
            Store store = Session.getInstance(p).getStore("imap");
            store.connect("127.0.0.1", port, user, password);
            return store;
        }

        /** Appends a message with a random subject and the given body; returns the subject. */
        public String append(String folder, String body) throws MessagingException {
            return append(folder, "subject " + UUID.randomUUID(), body, null);
        }

        /** Appends a message; {@code internalDate} null lets the server choose. Creates the folder when needed. */
        public String append(String folder, String subject, String body, Instant internalDate) throws MessagingException {
            try (Store store = connect()) {
                Folder f = store.getFolder(folder);
                if (!f.exists()) {
                    f.create(Folder.HOLDS_MESSAGES);
                }
                MimeMessage m = new MimeMessage(Session.getInstance(new Properties())) {
                    @Override
                    public Date getReceivedDate() {
                        return internalDate == null ? null : Date.from(internalDate);
                    }
                };
                m.setFrom(new InternetAddress("sender@example.org"));
                m.setRecipients(Message.RecipientType.TO, user + "@imap.example.net");
                m.setSubject(subject);
                m.setText(body);
                m.setHeader("Message-ID", "<" + UUID.randomUUID() + "@example.org>");
                if (internalDate != null) {
                    m.setSentDate(Date.from(internalDate));
                }
                f.appendMessages(new Message[] {m});
                return subject;
            }
        }

        public void create(String folder) throws MessagingException {
            try (Store store = connect()) {
                Folder f = store.getFolder(folder);
                if (!f.exists()) {
                    f.create(Folder.HOLDS_MESSAGES);
                }
            }
        }

        /** The subjects in a folder (empty when it does not exist), in order. */
        public List<String> subjects(String folder) throws MessagingException {
            List<String> out = new ArrayList<>();
            try (Store store = connect()) {
                Folder f = store.getFolder(folder);
                if (!f.exists()) {
                    return out;
                }
                f.open(Folder.READ_ONLY);
                for (Message m : f.getMessages()) {
                    out.add(m.getSubject());
                }
                f.close(false);
            }
            return out;
        }

        /** How many messages of the folder carry the flag. */
        public int flagged(String folder, Flags.Flag flag) throws MessagingException {
            try (Store store = connect()) {
                Folder f = store.getFolder(folder);
                f.open(Folder.READ_ONLY);
                int n = 0;
                for (Message m : f.getMessages()) {
                    if (m.isSet(flag)) {
                        n++;
                    }
                }
                f.close(false);
                return n;
            }
        }

        /** Flags one message (by position, from 1) \Deleted without expunging it, as another client might. */
        public void flagDeleted(String folder, int number) throws MessagingException {
            try (Store store = connect()) {
                Folder f = store.getFolder(folder);
                f.open(Folder.READ_WRITE);
                f.getMessage(number).setFlag(Flags.Flag.DELETED, true);
                f.close(false);
            }
        }

        /**
         * Deletes the folder and creates it again with the same messages (bytes and INTERNALDATE): a
         * server restored from backup, or a client that rebuilt the folder. Its UIDVALIDITY changes.
         */
        public void recreate(String folder) throws Exception {
            List<byte[]> raw = new ArrayList<>();
            List<Date> dates = new ArrayList<>();
            try (Store store = connect()) {
                Folder f = store.getFolder(folder);
                f.open(Folder.READ_ONLY);
                for (Message m : f.getMessages()) {
                    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
                    m.writeTo(b);
                    raw.add(b.toByteArray());
                    dates.add(m.getReceivedDate());
                }
                f.close(false);
                f.delete(false);
                Folder again = store.getFolder(folder);
                again.create(Folder.HOLDS_MESSAGES);
                for (int i = 0; i < raw.size(); i++) {
                    Date d = dates.get(i);
                    MimeMessage copy = new MimeMessage(Session.getInstance(new Properties()),
                            new java.io.ByteArrayInputStream(raw.get(i))) {
                        @Override
                        public Date getReceivedDate() {
                            return d;
                        }
                    };
                    again.appendMessages(new Message[] {copy});
                }
            }
        }

        public long uidValidity(String folder) throws MessagingException {
            try (Store store = connect()) {
                jakarta.mail.UIDFolder f = (jakarta.mail.UIDFolder) store.getFolder(folder);
                ((Folder) f).open(Folder.READ_ONLY);
                long v = f.getUIDValidity();
                ((Folder) f).close(false);
                return v;
            }
        }
    }
}
