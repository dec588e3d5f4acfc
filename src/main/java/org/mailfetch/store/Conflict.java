package org.mailfetch.store;

/**
 * The change contradicts what is stored: the domain, mailbox, alias, list or route exists already,
 * a domain still has mailboxes, a mailbox still owns accounts, an outbox entry was sent already.
 * REST answers 409; the command line exits 1 with the message on stderr (see {@link Problem}).
 */
public final class Conflict extends RuntimeException {

    public Conflict(String message) {
        super(message);
    }

    public Conflict(String message, Throwable cause) {
        super(message, cause);
    }
}
