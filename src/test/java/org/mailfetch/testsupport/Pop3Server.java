package org.mailfetch.testsupport;

import java.util.Properties;
import java.util.UUID;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/** GreenMail POP3 on a free 127.0.0.1 port with helpers to put mail in and count what is left. */
public final class Pop3Server implements AutoCloseable {

    private final GreenMail greenMail;

    public Pop3Server() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3));
        greenMail.start();
    }

    public int port() {
        return greenMail.getPop3().getPort();
    }

    public GreenMailUser user(String login, String password) {
        return greenMail.setUser(login + "@pop.example.net", login, password);
    }

    /** Delivers a message with a random subject to the user and returns the subject. */
    public String deliver(GreenMailUser user) throws Exception {
        return deliver(user, "subject " + UUID.randomUUID(), "body\n");
    }

    public String deliver(GreenMailUser user, String subject, String body) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress("sender@example.org"));
        m.setRecipients(MimeMessage.RecipientType.TO, user.getEmail());
        m.setSubject(subject);
        m.setText(body);
        m.saveChanges();
        user.deliver(m);
        return subject;
    }

    /** Messages still in the user's POP3 mailbox. */
    public int remaining(GreenMailUser user) throws com.icegreen.greenmail.store.FolderException {
        return greenMail.getManagers().getImapHostManager().getInbox(user).getMessageCount();
    }

    public GreenMail greenMail() {
        return greenMail;
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
