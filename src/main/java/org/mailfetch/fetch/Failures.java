package org.mailfetch.fetch;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;

/** Turns what went wrong in a session into one line an administrator can act on. */
final class Failures {

    private Failures() {}

    static boolean isLoginFailure(Throwable t) {
        return t instanceof AuthenticationFailedException;
    }

    static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = next(c)) {
            if (c instanceof AuthenticationFailedException) {
                return "login refused (" + text(c) + ")";
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
            if (c instanceof EOFException) {
                // Angus turns a read timeout in the middle of RETR into EOFException("Read timed out")
                return (text(c).toLowerCase(java.util.Locale.ROOT).contains("timed out") ? "timed out ("
                        : "connection lost (") + text(c) + ")";
            }
        }
        return text(t);
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null) {
            return m.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    private static String text(Throwable t) {
        String m = t.getMessage();
        return (m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip()).replaceAll("\\s+", " ");
    }
}
