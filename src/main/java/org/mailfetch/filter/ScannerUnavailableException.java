package org.mailfetch.filter;

import java.io.IOException;

/** A content scanner (spamd, clamd) could not be reached, timed out or answered with an error. */
public final class ScannerUnavailableException extends IOException {

    public ScannerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public ScannerUnavailableException(String message) {
        super(message);
    }
}
