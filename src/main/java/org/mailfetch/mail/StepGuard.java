package org.mailfetch.mail;

/**
 * A step's precondition that the route file states as its filter (routes/fetch-session.camel.yaml).
 * The step does not decide it again in secret; it refuses to run when called without it — e.g. by a
 * route file from an older mailfetch left in the working directory, which called every step for every
 * message. Refusing fails the message's session: nothing is scanned, quarantined or delivered against
 * the account's options, and the mail stays on the server until the route file is replaced.
 */
public final class StepGuard {

    private StepGuard() {
    }

    public static void require(boolean condition, String step, String filter) {
        if (!condition) {
            throw new IllegalStateException(step + " was called without its route filter (" + filter + "): is"
                    + " routes/fetch-session.camel.yaml in the working directory from an older mailfetch? Replace it"
                    + " with the one in the jar");
        }
    }
}
