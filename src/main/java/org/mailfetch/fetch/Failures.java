package org.mailfetch.fetch;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

import org.apache.camel.CamelExchangeException;
import org.mailfetch.mail.CredentialUnavailable;
import org.mailfetch.mail.NeedsAuthorization;
import org.mailfetch.mail.Printable;

/** Turns what went wrong in a session into one line an administrator can act on. */
final class Failures {

    private Failures() {}

    /** Only a refusal of the credentials counts toward the back-off; [IN-USE] and [SYS/TEMP] do not. */
    static boolean isLoginFailure(Throwable t) {
        return t instanceof ServerException p && p.kind() == ServerException.Kind.LOGIN_REFUSED;
    }

    static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = next(c)) {
            if (c instanceof FetchSession.DeliveryFailedException || c instanceof SessionDeadlineException) {
                return text(c);
            }
            if (c instanceof CredentialUnavailable) {
                // the OAuth2 provider, not the mail server: its connection failures are no "connection refused"
                return "token endpoint: " + text(c);
            }
            if (c instanceof NeedsAuthorization) {
                return "needs-authorization (" + text(c) + ")";
            }
            if (c instanceof ServerException p) {
                return switch (p.kind()) {
                    case LOGIN_REFUSED -> "login refused (" + text(c) + ")";
                    case TEMPORARY -> "temporary failure, not a login failure (" + text(c) + ")";
                    case PROTOCOL -> "protocol error (" + text(c) + ")";
                    case REFUSED -> "refused by the server (" + text(c) + ")";
                };
            }
            if (c instanceof UnknownHostException) {
                return "unknown host " + text(c);
            }
            if (c instanceof ConnectException) {
                return "connection refused (" + text(c) + ")";
            }
            if (c instanceof SocketTimeoutException || c instanceof InterruptedIOException) {
                return "timed out (" + text(c) + ")";
            }
            if (c instanceof SSLException) {
                return "TLS failed (" + text(c) + ")";
            }
            if (c instanceof EOFException || c instanceof SocketException) {
                return "connection lost (" + text(c) + ")";
            }
        }
        // Camel wraps a step's exception ("Multicast processing failed for number 8"): say the cause
        Throwable shown = t;
        while (shown instanceof CamelExchangeException && shown.getCause() != null) {
            shown = shown.getCause();
        }
        return text(shown);
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }

    /** The message on one line, control characters escaped: it goes to the status and the log. */
    private static String text(Throwable t) {
        String m = t.getMessage();
        String line = (m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip()).replaceAll("\\s+", " ");
        return Printable.escape(line, Printable.MAX_CHARS);
    }
}
