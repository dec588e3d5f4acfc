package org.mailfetch.fetch;

import java.net.SocketTimeoutException;

/** The session deadline passed: no further read waits, the session ends cleanly. */
public final class SessionDeadlineException extends SocketTimeoutException {

    public SessionDeadlineException(String message) {
        super(message);
    }
}
