package org.mailfetch.fetch.pop3;

import java.io.IOException;

/**
 * A POP3 server said no, or said something that is not POP3. The kind tells the session what to do:
 * a refused login counts toward the account's back-off, a temporary failure ({@code [IN-USE]},
 * {@code [SYS/TEMP]}, RFC 2449/3206) does not, a protocol error names what the server got wrong.
 */
public class Pop3Exception extends IOException {

    public enum Kind {
        /** -ERR [AUTH] or a plain -ERR to USER/PASS: the credentials were refused. */
        LOGIN_REFUSED,
        /** -ERR [IN-USE] or [SYS/TEMP]: try again later; not the account's fault. */
        TEMPORARY,
        /** Any other -ERR to a command that had to succeed. */
        REFUSED,
        /** A reply that breaks the protocol: too long, not +OK/-ERR, a count or number out of range. */
        PROTOCOL
    }

    private final Kind kind;

    public Pop3Exception(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static Pop3Exception protocol(String message) {
        return new Pop3Exception(Kind.PROTOCOL, message);
    }
}
