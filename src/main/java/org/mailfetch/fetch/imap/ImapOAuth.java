package org.mailfetch.fetch.imap;

import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslClientFactory;
import javax.security.sasl.SaslException;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.imap.protocol.IMAPProtocol;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.OAuthSasl;

/**
 * OAuth2 login (XOAUTH2, OAUTHBEARER) for our IMAP connections, fetching and IDLE alike, through
 * Angus's SASL path ({@code mail.imap.sasl.*}) and a SASL client of our own, registered once by a
 * small {@link Provider}.
 *
 * <p>Why not Angus's built-in XOAUTH2 ({@code mail.imap.auth.mechanisms}): in Angus 2.0.5 it answers
 * every continuation with the token, so a refused token is sent a second time in reply to the
 * error challenge instead of the empty response the mechanism asks for; and Angus has no
 * OAUTHBEARER. Its SASL path takes any mechanism a {@link SaslClientFactory} provides, keeps our
 * order among the mechanisms the server offers ({@code AUTH=}), uses SASL-IR when the server has it,
 * and hands the error challenge to the client, which answers it as each mechanism says.
 *
 * <p>Angus falls back to LOGIN (the token as a password) when its SASL path finds no mechanism to
 * use: {@link Store#preLogin} refuses first when the server offers none of ours, and the responses
 * are built once before connecting, so that a bad token or user fails here and not in the factory.
 */
final class ImapOAuth {

    /** The server's port, for OAUTHBEARER's port field (Angus passes the SASL client the host only). */
    static final String PORT = "mailfetch.imap.sasl.port";
    private static final String PROVIDER = "mailfetch-oauth2-sasl";

    private ImapOAuth() {
    }

    /** The store to log in with: for a bearer token one that checks the offered mechanisms first. */
    static IMAPStore store(Session session, Credential credential) throws MessagingException {
        return credential instanceof Credential.Bearer b ? new Store(session, wanted(b))
                : (IMAPStore) session.getStore("imap");
    }

    /** What Angus gets as the password: the password, or the access token its SASL client sends. */
    static String secret(Credential credential) {
        return credential instanceof Credential.Bearer b ? b.accessToken() : ((Credential.Password) credential).secret();
    }

    /**
     * Adds to {@code p} what a bearer credential needs (nothing for a password); throws
     * IllegalArgumentException, before any connection, for a user, host or token that must not be sent.
     */
    static void configure(Properties p, Credential credential, String user, String host, int port) {
        if (!(credential instanceof Credential.Bearer b)) {
            return;
        }
        List<String> wanted = wanted(b);
        for (String m : wanted) {
            OAuthSasl.initialResponse(m, user, host, port, b.accessToken());
        }
        register();
        p.setProperty("mail.imap.sasl.enable", "true");
        p.setProperty("mail.imap.sasl.mechanisms", String.join(" ", wanted));
        p.setProperty(PORT, String.valueOf(port));
        // should Angus ever reach its own authenticators, none of them is to get the token
        p.setProperty("mail.imap.auth.mechanisms", "XOAUTH2");
        p.setProperty("mail.imap.auth.plain.disable", "true");
        p.setProperty("mail.imap.auth.login.disable", "true");
        p.setProperty("mail.imap.auth.ntlm.disable", "true");
    }

    private static List<String> wanted(Credential.Bearer b) {
        List<String> wanted = b.mechanisms().stream().filter(OAuthSasl::known).toList();
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("none of the credential's SASL mechanisms " + b.mechanisms()
                    + " is one mailfetch speaks (XOAUTH2, OAUTHBEARER)");
        }
        return wanted;
    }

    private static synchronized void register() {
        if (Security.getProvider(PROVIDER) == null) {
            Security.addProvider(new SaslProvider());
        }
    }

    /** The server offers none of the credential's mechanisms: a refusal, not a failed login. */
    static final class NotOffered extends ProtocolException {
        NotOffered(String message) {
            super(message);
        }
    }

    /** An IMAPStore that will not log in when the server offers none of the wanted mechanisms. */
    private static final class Store extends IMAPStore {
        private final List<String> wanted;

        Store(Session session, List<String> wanted) {
            super(session, null);
            this.wanted = wanted;
        }

        @Override
        protected void preLogin(IMAPProtocol p) throws ProtocolException {
            for (String m : wanted) {
                if (p.hasCapability("AUTH=" + m)) {
                    return;
                }
            }
            Map<String, String> caps = p.getCapabilities();
            String offered = caps == null ? "" : caps.keySet().stream().filter(c -> c.startsWith("AUTH="))
                    .map(c -> c.substring(5)).sorted().collect(Collectors.joining(" "));
            if (offered.length() > 200) {
                offered = offered.substring(0, 200) + "...";
            }
            throw new NotOffered("the server offers SASL " + (offered.isEmpty() ? "nothing" : offered) + ", none of "
                    + wanted);
        }
    }

    private static final class SaslProvider extends Provider {
        SaslProvider() {
            super(PROVIDER, "1.0", "mailfetch: XOAUTH2 and OAUTHBEARER SASL clients");
            for (String m : List.of(OAuthSasl.XOAUTH2, OAuthSasl.OAUTHBEARER)) {
                // a Service that makes the factory itself: no reflection, the factory stays private
                putService(new Service(this, "SaslClientFactory", m, Factory.class.getName(), null, null) {
                    @Override
                    public Object newInstance(Object constructorParameter) {
                        return new Factory();
                    }
                });
            }
        }
    }

    private static final class Factory implements SaslClientFactory {
        @Override
        public SaslClient createSaslClient(String[] mechanisms, String authorizationId, String protocol, String serverName,
                                           Map<String, ?> props, CallbackHandler cbh) throws SaslException {
            for (String m : mechanisms) {
                if (OAuthSasl.known(m)) {
                    Object port = props == null ? null : props.get(PORT);
                    return new Client(m, serverName, port == null ? 143 : Integer.parseInt(port.toString()), cbh);
                }
            }
            return null;
        }

        @Override
        public String[] getMechanismNames(Map<String, ?> props) {
            return new String[] {OAuthSasl.XOAUTH2, OAuthSasl.OAUTHBEARER};
        }
    }

    /**
     * One exchange: the initial response, then — only when the server refuses — the answer to its
     * error challenge. Not complete until then, so that Angus passes the error challenge to
     * {@link #evaluateChallenge} rather than sending an empty line of its own.
     */
    private static final class Client implements SaslClient {
        private final String mechanism;
        private final String host;
        private final int port;
        private final CallbackHandler callbacks;
        private int step;

        Client(String mechanism, String host, int port, CallbackHandler callbacks) {
            this.mechanism = mechanism;
            this.host = host;
            this.port = port;
            this.callbacks = callbacks;
        }

        @Override
        public String getMechanismName() {
            return mechanism;
        }

        @Override
        public boolean hasInitialResponse() {
            return true;
        }

        @Override
        public byte[] evaluateChallenge(byte[] challenge) throws SaslException {
            switch (step++) {
                case 0 -> {
                    NameCallback name = new NameCallback("user");
                    PasswordCallback token = new PasswordCallback("token", false);
                    try {
                        callbacks.handle(new Callback[] {name, token});
                        return OAuthSasl.initialResponse(mechanism, name.getName(), host, port,
                                new String(token.getPassword()));
                    } catch (Exception e) {
                        // the message of OAuthSasl never holds the token
                        throw new SaslException("cannot make the " + mechanism + " response: " + e.getMessage());
                    } finally {
                        token.clearPassword();
                    }
                }
                case 1 -> {
                    return OAuthSasl.errorChallengeAnswer(mechanism);
                }
                default -> throw new SaslException("the server sent " + mechanism + " another challenge ("
                        + new String(challenge, StandardCharsets.ISO_8859_1).length() + " bytes)");
            }
        }

        @Override
        public boolean isComplete() {
            return step >= 2;
        }

        @Override
        public byte[] unwrap(byte[] incoming, int offset, int len) {
            throw new IllegalStateException("no security layer");
        }

        @Override
        public byte[] wrap(byte[] outgoing, int offset, int len) {
            throw new IllegalStateException("no security layer");
        }

        @Override
        public Object getNegotiatedProperty(String propName) {
            return null;
        }

        @Override
        public void dispose() {
        }
    }
}
