package org.mailfetch.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or the time is up, then fails with the description. */
public final class Eventually {

    private Eventually() {}

    public static void await(String what, Duration within, Callable<Boolean> condition) throws Exception {
        value(what, within, () -> Boolean.TRUE.equals(condition.call()) ? Boolean.TRUE : null);
    }

    /** Polls until {@code supplier} gives a value other than null, and returns it. */
    public static <T> T value(String what, Duration within, Callable<T> supplier) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            T v = supplier.call();
            if (v != null) {
                return v;
            }
            Thread.sleep(50);
        }
        T v = supplier.call();
        if (v == null) {
            throw new AssertionError("not within " + within + ": " + what);
        }
        return v;
    }
}
