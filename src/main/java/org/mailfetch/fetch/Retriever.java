package org.mailfetch.fetch;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;

/**
 * The protocol side of a fetch session — connect, list what the server holds, stream one message,
 * mark what is due for deletion, end — and nothing else: the ledger, batching, the delete policy,
 * the deadline's growth and the status belong to {@link FetchSession}, which works alike over every
 * protocol. POP3 ({@code fetch.pop3.Pop3Retriever}) is the first implementation.
 *
 * <p>Every read is bounded by the deadline the session sets; a retriever never delivers anything
 * itself and never deletes anything the session did not mark.
 */
public interface Retriever extends AutoCloseable {

    /**
     * A message as the server lists it: the number commands use for it on this connection, its
     * ledger key, and its size (-1 when the server would not say). {@code positional}: the key
     * depends on the message's place in the listing (a POP3 server that repeats a UIDL), so on
     * another connection the same key may name another message.
     *
     * <p>{@code identity}: a digest that names the message apart from its key (IMAP: folder,
     * Message-ID, INTERNALDATE and size), kept in the ledger so that a renumbered folder is not
     * fetched again; null when the protocol has none. {@code serverDate}: when the server received
     * the message (IMAP INTERNALDATE), the Received-date step's fallback; null when unknown.
     */
    record Listed(long number, String uidl, long size, boolean positional, String identity, Instant serverDate) {
        public Listed(long number, String uidl, long size) {
            this(number, uidl, size, false);
        }

        public Listed(long number, String uidl, long size, boolean positional) {
            this(number, uidl, size, positional, null, null);
        }
    }

    /** Logs in as the account with {@code credential} and lists; no read waits past {@code deadlineNanos} (System.nanoTime()). */
    @FunctionalInterface
    interface Opener {
        Retriever open(Account account, Credential credential, FetchContext context, long deadlineNanos) throws IOException;
    }

    /** How many connections this session has opened: listings after the first may be ordered differently. */
    int connections();

    /** The listing of the current connection. */
    List<Listed> listing();

    /** The message with this ledger key in the current listing, or null when it is gone. */
    Listed find(String key);

    /** Whether the current connection can still carry commands. */
    boolean usable();

    /** Moves the deadline of this and every later connection of the session. */
    void deadline(long nanoTime);

    /**
     * Drops the current connection without applying anything marked on it, and opens a new one,
     * logged in and listed afresh. Numbers may change: look messages up with {@link #find}.
     */
    void reconnect() throws IOException;

    /**
     * The messages {@link #retrieve} will be asked for, in this order: a retriever may ask the server
     * for the next ones before they are wanted (POP3 PIPELINING). Only a hint: retrieve still takes any
     * listed message at any time. Nothing happens by default.
     */
    default void plan(List<Listed> messages) {
    }

    /**
     * Streams one message into {@code out} (CRLF line endings, as on the wire): nothing of it is held
     * in memory. More than {@code max} bytes is a {@link TooLargeException} and leaves the connection
     * unusable; no reply at all is a {@link NoReplyException}. Returns the bytes written.
     */
    long retrieve(Listed message, OutputStream out, long max) throws IOException;

    /**
     * Whether {@link #listing()} holds every message of every place the account fetches from. When not
     * (an IMAP folder could not be opened), ledger rows missing from it must not be purged.
     */
    default boolean complete() {
        return true;
    }

    /** What the status should say about the listing besides the counts (a folder that cannot be opened). */
    default List<String> remarks() {
        return List.of();
    }

    /**
     * Called before {@link #quit()} for each message whose delivery this session made durable and
     * recorded (IMAP --mark-seen applies \Seen to them at quit). Nothing happens by default.
     */
    default void delivered(Listed message) {
    }

    /** Whether {@link #delivered} does anything: then a broken connection is replaced for it at the end. */
    default boolean wantsDelivered() {
        return false;
    }

    /**
     * What the server may still be sending in answer to commands sent ahead whose replies nobody will
     * use (POP3: RETRs in flight, by their LIST sizes): read and thrown away before the deletions.
     */
    default long bytesInFlight() {
        return 0;
    }

    /** Marks one message for deletion; it takes effect at {@link #quit()}. Returns whether the server accepted it. */
    boolean markDeleted(Listed message) throws IOException;

    /**
     * Applies what was marked and ends the connection. Throws when the server does not confirm (or the
     * connection is gone): then nothing marked took effect and the caller must not count any.
     */
    void quit() throws IOException;

    /** Ends the connection without applying anything marked. */
    @Override
    void close();
}
