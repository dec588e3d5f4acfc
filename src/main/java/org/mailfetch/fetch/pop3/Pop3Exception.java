package org.mailfetch.fetch.pop3;

import org.mailfetch.fetch.ServerException;

/**
 * A POP3 server said no, or said something that is not POP3: -ERR [AUTH] or a plain -ERR to USER/PASS
 * is a refused login, -ERR [IN-USE] or [SYS/TEMP] (RFC 2449/3206) a temporary failure.
 */
public class Pop3Exception extends ServerException {

    public Pop3Exception(Kind kind, String message) {
        super(kind, message);
    }

    static Pop3Exception protocol(String message) {
        return new Pop3Exception(Kind.PROTOCOL, message);
    }
}
