package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;

/** The one mapping from an error to a REST status and an exit code: by type, never by message text. */
class ProblemTest {

    @Test
    void eachKindShouldHaveItsStatusAndExitCode() {
        assertKind(new InvalidValue("port", "port must be between 1 and 65535"), Problem.Kind.INVALID, 400, 2);
        assertKind(new IllegalArgumentException("unknown delete mode 'sometimes'"), Problem.Kind.INVALID, 400, 2);
        assertKind(new NotFound("no account 999"), Problem.Kind.NOT_FOUND, 404, 1);
        assertKind(new Conflict("domain example.com exists already"), Problem.Kind.CONFLICT, 409, 1);
        assertKind(new StoreException("cannot add account: Table \"EXTERNAL_ACCOUNT\" not found; SQL statement: INSERT"),
                Problem.Kind.UNAVAILABLE, 503, 1);
        assertKind(new IllegalStateException("the data dir /x is rwxr-xr-x"), Problem.Kind.FAILED, 500, 1);
        assertKind(new NullPointerException(), Problem.Kind.FAILED, 500, 1);
    }

    @Test
    void theMessageShouldNotDecideTheKind() {
        // "no ..." used to mean 404 and every other store error 409, the database failing too
        assertEquals(Problem.Kind.UNAVAILABLE, Problem.of(new StoreException("no connection to the database")).kind());
        assertEquals(Problem.Kind.CONFLICT, Problem.of(new Conflict("no room: domain example.com exists already")).kind());
    }

    @Test
    void aRefusalShouldBeToldAsItIsAndAFailureOnlyAsAFailure() {
        Problem invalid = Problem.of(new InvalidValue("port", "port must be 1..65535, got 0"));
        assertEquals("port", invalid.field());
        assertEquals("port must be 1..65535, got 0", invalid.publicMessage());
        assertFalse(invalid.isFailure());
        assertNull(Problem.of(new NotFound("no alias a@example.com")).field());

        Problem db = Problem.of(new StoreException("cannot update account 1: General error: \"org.h2.mvstore.MVStoreException\"",
                new SQLException("General error", "HY000", 50000)));
        assertTrue(db.isFailure());
        assertFalse(db.isUnexpected());
        assertEquals(Problem.UNAVAILABLE_MESSAGE, db.publicMessage());
        assertTrue(db.message().contains("cannot update account 1"), "the detail stays for the log and the local CLI");

        assertEquals(Problem.FAILED_MESSAGE, Problem.of(new IOException("No space left on device")).publicMessage());
        assertEquals("No space left on device", Problem.of(new IOException("No space left on device")).message());
        assertFalse(Problem.of(new IOException("No space left on device")).isUnexpected());
        assertTrue(Problem.of(new NullPointerException("x is null")).isUnexpected());
    }

    private static void assertKind(Throwable e, Problem.Kind kind, int status, int exit) {
        Problem p = Problem.of(e);
        assertEquals(kind, p.kind(), e.toString());
        assertEquals(status, p.httpStatus(), e.toString());
        assertEquals(exit, p.exitCode(), e.toString());
    }
}
