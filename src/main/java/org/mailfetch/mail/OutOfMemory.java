package org.mailfetch.mail;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Remembers the first OutOfMemoryError the service saw (the reconciler adding routes, a Camel
 * exchange, any thread that died of one), so that /observe/health turns DOWN and says why instead of
 * the service going on half-alive. The JVM is not trusted to recover: the health check stays DOWN until
 * a restart.
 */
public final class OutOfMemory {

    /** Where and when. */
    public record Seen(String where, String message, Instant at) { }

    private static final AtomicReference<Seen> FIRST = new AtomicReference<>();

    private OutOfMemory() {}

    /** Records {@code t} if it is, or is caused by, an OutOfMemoryError; true if it was one. */
    public static boolean record(String where, Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                FIRST.compareAndSet(null, new Seen(where, String.valueOf(c.getMessage()), Instant.now()));
                return true;
            }
        }
        return false;
    }

    /** The first one seen, or null. */
    public static Seen seen() {
        return FIRST.get();
    }

    /** For tests. */
    public static void reset() {
        FIRST.set(null);
    }
}
