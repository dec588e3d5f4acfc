package org.mailfetch.filter;

import java.time.Duration;

/**
 * After a scanner timed out on two messages in a row, the next messages do not wait for it again for
 * a while: they fail at once with the same reason (and the unavailable-policy applies). Without it a
 * hung daemon would cost the full timeout for every message of a session. One timeout alone does not
 * trip it: a single message that is slow to scan (a sender can craft one) must not switch scanning
 * off — or, under the accept policy, let the sender's next message through unscanned — for every
 * account. Refused connections fail fast anyway and do not trip it.
 */
final class ScannerBreaker {

    static final Duration OPEN_FOR = Duration.ofSeconds(30);
    /** Timeouts with no answer in between that open the breaker. */
    static final int TIMEOUTS_TO_OPEN = 2;

    private final java.util.concurrent.atomic.AtomicInteger timeoutsInARow = new java.util.concurrent.atomic.AtomicInteger();

    private volatile long openUntilNanos;
    private volatile String reason;
    private volatile boolean open;

    /** Throws when a recent timeout says the scanner is not worth waiting for now. */
    void check(String scanner) throws ScannerUnavailableException {
        if (open && System.nanoTime() - openUntilNanos < 0) {
            throw new ScannerUnavailableException(scanner + ": " + reason + "; not retried for "
                    + OPEN_FOR.toSeconds() + " s");
        }
        open = false;
    }

    void timedOut(String why) {
        reason = why;
        if (timeoutsInARow.incrementAndGet() >= TIMEOUTS_TO_OPEN) {
            openUntilNanos = System.nanoTime() + OPEN_FOR.toNanos();
            open = true;
        }
    }

    /** The scanner gave a well-formed answer: it is alive, earlier timeouts were the messages' own. */
    void answered() {
        timeoutsInARow.set(0);
    }

    /** What a failed request means: a timeout (of the socket or the request deadline) also trips the breaker. */
    ScannerUnavailableException unavailable(String scanner, java.io.IOException e, ScannerConnection c,
                                            Duration timeout) {
        String why = e.toString();
        if (c != null && c.timedOut() || e instanceof java.net.SocketTimeoutException) {
            why = "no answer within " + timeout.toMillis() + " ms";
            timedOut(why);
        }
        return new ScannerUnavailableException(scanner + ": " + why, e);
    }

    /** Opens the connection to a scanner. */
    @FunctionalInterface
    interface Opening {
        ScannerConnection open() throws java.io.IOException;
    }

    /** Sends one message over an open connection and reads the verdict. */
    @FunctionalInterface
    interface Conversation<V> {
        V talk(ScannerConnection c) throws java.io.IOException;
    }

    /**
     * One request to a scanner under this breaker: refused at once while it is open; a well-formed
     * verdict closes it again; any failure — a timeout trips it — is a ScannerUnavailableException
     * naming the scanner. The connection is closed in every case.
     */
    <V> V call(String scanner, Duration timeout, Opening opening, Conversation<V> conversation)
            throws ScannerUnavailableException {
        check(scanner);
        ScannerConnection c = null;
        try {
            c = opening.open();
            V verdict = conversation.talk(c);
            answered();
            return verdict;
        } catch (ScannerUnavailableException e) {
            throw new ScannerUnavailableException(scanner + ": " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw unavailable(scanner, e, c, timeout);
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }
}
