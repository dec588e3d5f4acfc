package org.mailfetch.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or the time is up, then fails with the description. */
public final class Eventually {

    private Eventually() {}

    public static void await(String what, Duration within, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (Boolean.TRUE.equals(condition.call())) {
                return;
            }
            Thread.sleep(50);
        }
        if (!Boolean.TRUE.equals(condition.call())) {
            throw new AssertionError("not within " + within + ": " + what);
        }
    }
}
