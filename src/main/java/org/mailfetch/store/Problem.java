package org.mailfetch.store;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What went wrong, told apart by the exception's type (never by its text), and what each surface makes
 * of it: the one place that maps an error to a REST status and a command-line exit code. The REST error
 * route ({@code ApiErrors}) and the command line's exit-code handler ({@code Cli}) both ask here.
 *
 * <pre>
 * kind         thrown as                                    REST  exit
 * INVALID      InvalidValue (names its field),              400   2, with usage
 *              any other IllegalArgumentException
 * NOT_FOUND    NotFound                                     404   1
 * CONFLICT     Conflict                                     409   1
 * UNAVAILABLE  StoreException (the database failed)         503   1
 * FAILED       anything else                                500   1
 * </pre>
 *
 * A refusal (the first three) tells the client what it did; a failure (the last two) is logged by the
 * surface, and REST then says only that it failed, never SQL, driver or stack text.
 */
public record Problem(Kind kind, String message, String field, Throwable cause) {

    /** The kinds, each with its HTTP status and exit code. */
    public enum Kind {
        INVALID(400, 2),
        NOT_FOUND(404, 1),
        CONFLICT(409, 1),
        UNAVAILABLE(503, 1),
        FAILED(500, 1);

        private final int httpStatus;
        private final int exitCode;

        Kind(int httpStatus, int exitCode) {
            this.httpStatus = httpStatus;
            this.exitCode = exitCode;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** What REST says for an unavailable database: no SQL or driver text. */
    public static final String UNAVAILABLE_MESSAGE = "the database is unavailable; try again later (details in the service log)";

    /** What REST says for any other failure. */
    public static final String FAILED_MESSAGE = "internal error; see the service log";

    public static Problem of(Throwable e) {
        if (e instanceof InvalidValue v) {
            return new Problem(Kind.INVALID, text(e), v.field(), e);
        }
        if (e instanceof IllegalArgumentException) {
            return new Problem(Kind.INVALID, text(e), null, e);
        }
        if (e instanceof NotFound) {
            return new Problem(Kind.NOT_FOUND, text(e), null, e);
        }
        if (e instanceof Conflict) {
            return new Problem(Kind.CONFLICT, text(e), null, e);
        }
        if (e instanceof StoreException) {
            return new Problem(Kind.UNAVAILABLE, text(e), null, e);
        }
        return new Problem(Kind.FAILED, explained(e) ? text(e) : "internal error: " + e, null, e);
    }

    public int httpStatus() {
        return kind.httpStatus();
    }

    public int exitCode() {
        return kind.exitCode();
    }

    /** The text a REST client gets: the refusal itself, or for a failure a generic line. */
    public String publicMessage() {
        return switch (kind) {
            case UNAVAILABLE -> UNAVAILABLE_MESSAGE;
            case FAILED -> FAILED_MESSAGE;
            default -> message;
        };
    }

    /** A failure, not a refusal: the surface logs it (REST with its stack trace). */
    public boolean isFailure() {
        return kind == Kind.UNAVAILABLE || kind == Kind.FAILED;
    }

    /**
     * A failure nobody stated a reason for (a bug): the command line logs its stack trace too. A refused
     * data dir (IllegalStateException) or a full disk (IOException) says what is wrong in its message.
     */
    public boolean isUnexpected() {
        return kind == Kind.FAILED && !explained(cause);
    }

    private static boolean explained(Throwable e) {
        return (e instanceof IllegalStateException || e instanceof IOException || e instanceof UncheckedIOException)
                && e.getMessage() != null;
    }

    private static String text(Throwable e) {
        return e == null ? "unknown error" : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
