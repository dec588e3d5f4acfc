package org.mailfetch.mail;

/**
 * What the steps of one fetch session read once and then share: e.g. the local directory, which
 * every message looks up. A per-message database query would cost more than the message's own
 * delivery; reading a view at its first use in each session keeps the lookups in memory while an
 * administrator's change (a domain switched to LMTP, a new alias) still applies from the next
 * session on. The running session is the exchange property {@link #PROPERTY}.
 */
public interface SessionViews {

    /** Exchange property holding the session of the message in hand. */
    String PROPERTY = "mailfetchSession";

    /** The view {@code kind} reads, read at its first use in this session and the same object after. */
    <T> T view(View<T> kind);

    /**
     * How to read one view. The object itself is the key: a step keeps its view as a constant field,
     * so each session reads it at most once.
     */
    @FunctionalInterface
    interface View<T> {
        T read();
    }
}
