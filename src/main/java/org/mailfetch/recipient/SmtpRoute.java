package org.mailfetch.recipient;

/**
 * A routed domain: its mail goes by SMTP to {@code host:port} (TLS from the start when {@code tls};
 * SMTP AUTH when {@code user} is set) instead of to a local mailbox. The password is not here:
 * {@link SmtpRoutes#password} hands it out decrypted to the sender only.
 */
public record SmtpRoute(String domain, String host, int port, boolean tls, String user, boolean enabled) {

    public String target() {
        return (tls ? "smtps://" : "smtp://") + host + ":" + port;
    }
}
