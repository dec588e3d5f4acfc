package org.mailfetch.fetch;

import java.io.IOException;

/**
 * A mail server said no, or said something its protocol does not allow. The kind tells the session
 * what to do: a refused login counts toward the account's back-off, a temporary failure does not, a
 * protocol error names what the server got wrong. Each retriever says which replies are which.
 */
public class ServerException extends IOException {

    public enum Kind {
        /** The credentials were refused. */
        LOGIN_REFUSED,
        /** Try again later (e.g. POP3 [IN-USE], [SYS/TEMP]); not the account's fault. */
        TEMPORARY,
        /** Any other refusal of a command that had to succeed. */
        REFUSED,
        /** A reply that breaks the protocol: too long, malformed, a count or number out of range. */
        PROTOCOL
    }

    private final Kind kind;

    public ServerException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
