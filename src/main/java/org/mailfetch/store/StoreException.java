package org.mailfetch.store;

/** A database operation failed or found nothing to act on; the message says which and why. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A row with the same key exists already. */
    public static final class Duplicate extends StoreException {
        public Duplicate(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
