package org.mailfetch.fetch.imap;

import java.time.Duration;
import java.util.Properties;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

import org.mailfetch.mail.Security;

/**
 * The Angus Mail properties of one of our IMAP connections, fetching or IDLE alike: its timeouts and
 * our own socket factories, which bound every response and do TLS with the certificate and host name
 * checked. SSL: our socket does TLS at connect (Angus sees a plain socket); STARTTLS: Angus asks the
 * TLS factory to upgrade our socket, and a refusal fails the connection. One place, so that the
 * security policy of the two connections cannot drift apart.
 */
final class AngusConnection {

    private AngusConnection() {
    }

    static Properties properties(Security security, Duration connectTimeout, Duration readTimeout,
                                 SocketFactory plain, SSLSocketFactory tls) {
        Properties p = new Properties();
        p.setProperty("mail.imap.connectiontimeout", String.valueOf(connectTimeout.toMillis()));
        p.setProperty("mail.imap.timeout", String.valueOf(readTimeout.toMillis()));
        p.put("mail.imap.socketFactory", plain);
        p.setProperty("mail.imap.socketFactory.fallback", "false");
        p.put("mail.imap.ssl.socketFactory", tls);
        switch (security) {
            case SSL -> p.setProperty("mail.imap.starttls.enable", "false");
            case STARTTLS -> {
                p.setProperty("mail.imap.starttls.enable", "true");
                p.setProperty("mail.imap.starttls.required", "true");
            }
            case STARTTLS_OPTIONAL -> p.setProperty("mail.imap.starttls.enable", "true");
            case NONE -> p.setProperty("mail.imap.starttls.enable", "false");
        }
        return p;
    }
}
