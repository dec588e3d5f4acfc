package org.mailfetch.store;

/**
 * What a command or request names does not exist: no account 7, no domain example.org, no outbox
 * entry 12. REST answers 404; the command line exits 1 with the message on stderr (see {@link Problem}).
 */
public final class NotFound extends RuntimeException {

    public NotFound(String message) {
        super(message);
    }
}
