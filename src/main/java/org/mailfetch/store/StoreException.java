package org.mailfetch.store;

/**
 * The database (or another store on disk) failed or cannot be reached: the request may well succeed
 * later. The message is for the log and the local command line; REST answers 503 with a generic text
 * that names no SQL or driver detail (see {@link Problem}). Refusals are other types: {@link NotFound},
 * {@link Conflict}, {@link InvalidValue}.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
