package org.mailfetch.delivery;

import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.SessionViews;

/**
 * What a delivery step may ask of the fetch session it runs in — and nothing more: the step stages
 * files into the session's batch, and the session alone decides when they become durable, when the
 * ledger records them and when the server copy may go. The running session is the exchange property
 * {@link #PROPERTY}; a step declares it as {@code @ExchangeProperty(DeliverySession.PROPERTY)}.
 */
public interface DeliverySession extends SessionViews {

    /** Exchange property holding the session of the message in hand. */
    String PROPERTY = SessionViews.PROPERTY;

    /** The Maildir of a local address, one instance per session (its index of delivered names is built once). */
    MaildirMailbox mailbox(MailAddress address);

    /** Where a step stages a file; it becomes durable with the session's next group commit. */
    DeliveryBatch batch();

    /**
     * The session's LMTP connections, one per target, reused from message to message; the session
     * closes them (QUIT) when it ends, however it ends.
     */
    LmtpConnections lmtpConnections();

    /**
     * How long from now the session surely keeps its account (no other session of it can start
     * before); when less than {@code wanted} is left it is renewed first, for longer than usual if
     * {@code wanted} is longer. Zero when it is lost or ran out. A delivery that can be neither undone
     * nor recognised afterwards (the end of an LMTP transaction) goes only with enough of it left:
     * otherwise the session that took the account over could deliver the same message as well.
     */
    java.time.Duration heldFor(java.time.Duration wanted);

    /**
     * Registers a record (e.g. a quarantine row) that belongs to a file staged in the current batch:
     * it is committed after the batch's files are durable and before its ledger rows.
     */
    void afterDurable(DurableAction action);

    /** Something to commit after a batch's files are durable and before its ledger rows. */
    @FunctionalInterface
    interface DurableAction {
        void run() throws Exception;
    }
}
