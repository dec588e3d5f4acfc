package org.mailfetch.delivery;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.util.SharedFileInputStream;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.EnvelopeAddress;
import org.mailfetch.mail.OAuthSasl;
import org.mailfetch.recipient.SmtpRoute;

/**
 * Sends one outbox file to a route's SMTP server with Angus Mail: {@code RCPT TO} only the given
 * recipients, the bytes as they are in the file (Angus turns LF into CRLF and dot-stuffs). Says for
 * each recipient whether the server accepted it, deferred it (4xx, or no answer) or refused it (5xx).
 */
final class SmtpSender {

    enum Outcome { SENT, TEMPORARY, PERMANENT }

    record Result(Outcome outcome, String reply) {}

    private final Duration timeout;
    private final Properties overrides;

    SmtpSender(Duration timeout) {
        this(timeout, new Properties());
    }

    /** Tests only: Angus properties set over ours (a relay without STARTTLS, to see AUTH on the wire). */
    SmtpSender(Duration timeout, Properties overrides) {
        this.timeout = timeout;
        this.overrides = overrides;
    }

    /**
     * How long one attempt may take in all: the timeout four times over (connect, greeting and
     * commands, DATA's reply) plus a second per 64 KiB of message for the relay to take it in.
     */
    Duration attemptDeadline(long size) {
        return timeout.multipliedBy(4).plusSeconds(1 + (size >> 16));
    }

    /**
     * Sends to {@code recipients} through {@code route}, logging in as the route's user with
     * {@code credential} (null: no AUTH): a password, or an OAuth2 token by XOAUTH2 — Angus's SMTP
     * has no OAUTHBEARER, so a token meant only for OAUTHBEARER is not sent at all.
     */
    Map<String, Result> send(SmtpRoute route, Credential credential, Path file, String envelopeFrom,
                             List<String> recipients) {
        long size;
        try {
            size = java.nio.file.Files.size(file);
        } catch (IOException e) {
            Map<String, Result> out = new LinkedHashMap<>();
            recipients.forEach(r -> out.put(r, new Result(Outcome.TEMPORARY, "cannot read the queued file: " + e.getMessage())));
            return out;
        }
        try (RelaySockets sockets = new RelaySockets(attemptDeadline(size))) {
            return send(route, credential, file, envelopeFrom, recipients, sockets);
        }
    }

    private Map<String, Result> send(SmtpRoute route, Credential credential, Path file, String envelopeFrom,
                                     List<String> recipients, RelaySockets sockets) {
        String protocol = route.tls() ? "smtps" : "smtp";
        Properties p = new Properties();
        String t = String.valueOf(timeout.toMillis());
        p.setProperty("mail." + protocol + ".connectiontimeout", t);
        p.setProperty("mail." + protocol + ".timeout", t);
        p.setProperty("mail." + protocol + ".writetimeout", t);
        p.setProperty("mail." + protocol + ".sendpartial", "true");
        p.setProperty("mail." + protocol + ".auth", String.valueOf(route.user() != null));
        p.setProperty("mail." + protocol + ".ssl.checkserveridentity", "true");
        if (!route.tls()) {
            // bounded replies and a deadline; STARTTLS layers TLS over these sockets. (Implicit TLS
            // keeps Angus' own SSL sockets, with their per-read timeouts only.)
            p.put("mail.smtp.socketFactory", sockets);
            p.setProperty("mail.smtp.socketFactory.fallback", "false");
            // STARTTLS whenever the relay offers it; with credentials it is required, so that the
            // route's password never crosses the network in the clear
            p.setProperty("mail.smtp.starttls.enable", "true");
            p.setProperty("mail.smtp.starttls.required", String.valueOf(route.user() != null));
        }
        Map<String, Result> out = new LinkedHashMap<>();
        String secret;
        try {
            secret = secret(route, credential, p, protocol);
        } catch (IllegalArgumentException e) {
            // the route's credential cannot be sent: the mail waits (an operator can fix the route)
            recipients.forEach(r -> out.put(r, new Result(Outcome.TEMPORARY, "not sent: " + e.getMessage())));
            return out;
        }
        p.putAll(overrides);
        Session session = Session.getInstance(p);
        List<String> allowed = new ArrayList<>();
        for (String r : recipients) {
            String refusal = refusal(route, r);
            if (refusal == null) {
                allowed.add(r);
            } else {
                out.put(r, new Result(Outcome.PERMANENT, refusal));
            }
        }
        if (allowed.isEmpty()) {
            return out;
        }
        recipients = allowed;
        try (SharedFileInputStream in = new SharedFileInputStream(file.toFile())) {
            SMTPMessage message = new SMTPMessage(session, in);
            // Angus writes "<...>" as it is; anything unsafe has become the null sender "<>"
            message.setEnvelopeFrom(EnvelopeAddress.reversePath(envelopeFrom));
            List<Address> to = new ArrayList<>();
            for (String r : recipients) {
                to.add(new InternetAddress(r, false));
            }
            try (Transport transport = session.getTransport(protocol)) {
                transport.connect(route.host(), route.port(), route.user(), secret);
                transport.sendMessage(message, to.toArray(new Address[0]));
            }
            recipients.forEach(r -> out.put(r, new Result(Outcome.SENT, null)));
        } catch (SendFailedException e) {
            classify(e, recipients, out);
        } catch (MessagingException | IOException e) {
            recipients.forEach(r -> out.put(r, new Result(Outcome.TEMPORARY, describe(e))));
        }
        return out;
    }

    /**
     * What Angus gets as the password, with the AUTH mechanism a bearer token needs set in {@code p};
     * null for no credential. Throws IllegalArgumentException for a token that must not be sent.
     */
    private static String secret(SmtpRoute route, Credential credential, Properties p, String protocol) {
        if (credential == null) {
            return null;
        }
        if (credential instanceof Credential.Password pw) {
            return pw.secret();
        }
        Credential.Bearer b = (Credential.Bearer) credential;
        if (!b.mechanisms().contains(OAuthSasl.XOAUTH2)) {
            throw new IllegalArgumentException("the route's OAuth2 credential asks for " + b.mechanisms()
                    + "; SMTP relaying speaks XOAUTH2 only");
        }
        if (route.user() != null) {
            OAuthSasl.xoauth2(route.user(), b.accessToken()); // refuses control bytes before Angus sees them
        }
        // only XOAUTH2: PLAIN or LOGIN would hand the token over as a password
        p.setProperty("mail." + protocol + ".auth.mechanisms", OAuthSasl.XOAUTH2);
        return b.accessToken();
    }

    /**
     * Why {@code recipient} must not get a {@code RCPT TO} through {@code route}, or null. Checked
     * right before every RCPT, whatever the outbox holds: a route relays only to its own domain
     * (with the route's credentials, anything else would make us an open relay), and only plain
     * envelope addresses are written (Angus refuses CR/LF in commands too; this refuses earlier
     * and also spaces, brackets, quotes and non-ASCII).
     */
    static String refusal(SmtpRoute route, String recipient) {
        if (!EnvelopeAddress.isSafe(recipient)) {
            return "refused by mailfetch before RCPT TO: not a plain ASCII address";
        }
        if (EnvelopeAddress.hasSourceRoute(recipient)) {
            return "refused by mailfetch before RCPT TO: % or ! in the local part (a relay could route it elsewhere)";
        }
        if (!EnvelopeAddress.inDomain(recipient, route.domain())) {
            return "refused by mailfetch before RCPT TO: not in the route's domain " + route.domain()
                    + " (a route relays only to its own domain)";
        }
        return null;
    }

    /** A partial failure: accepted, refused per RCPT (each with its own reply), or failed at DATA. */
    private static void classify(SendFailedException e, List<String> recipients, Map<String, Result> out) {
        for (Address a : nonNull(e.getValidSentAddresses())) {
            out.put(((InternetAddress) a).getAddress(), new Result(Outcome.SENT, null));
        }
        for (Exception next = e; next != null; next = next instanceof MessagingException m ? m.getNextException() : null) {
            if (next instanceof SMTPAddressFailedException f) {
                out.putIfAbsent(f.getAddress().getAddress(), new Result(outcome(f.getReturnCode()), f.getMessage().trim()));
            }
        }
        int code = e instanceof SMTPSendFailedException s ? s.getReturnCode() : -1;
        for (String r : recipients) {
            out.putIfAbsent(r, new Result(outcome(code), describe(e)));
        }
    }

    private static Outcome outcome(int code) {
        return code >= 500 && code < 600 ? Outcome.PERMANENT : Outcome.TEMPORARY;
    }

    private static Address[] nonNull(Address[] a) {
        return a == null ? new Address[0] : a;
    }

    private static String describe(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().trim();
        Throwable cause = e.getCause();
        return cause != null && cause.getMessage() != null && !m.contains(cause.getMessage()) ? m + ": " + cause.getMessage() : m;
    }
}
