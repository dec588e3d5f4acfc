package org.mailfetch.fetch.pop3;

import java.io.ByteArrayOutputStream;

/**
 * A slow reference for the body of a POP3 multi-line reply (RFC 1939 section 3), written byte by
 * byte from the rules rather than from {@link LineInput}'s state machine: a line starts after CRLF
 * (or at the start of the body); a "." starting a line is dropped, and "." CRLF there ends the body;
 * a bare LF starts no line. The size limit counts decided bytes only: a pending "." or "." CR at the
 * end of the input is not yet body.
 */
final class BodyReference {

    /** What the reader must do with an input: the body and the bytes it consumed, or a failure. */
    record Result(byte[] body, int consumed, Kind kind) {}

    enum Kind { BODY, TOO_LARGE, EOF }

    private BodyReference() {}

    static Result read(byte[] in, long max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        boolean lineStart = true;
        while (true) {
            if (lineStart && pos < in.length && in[pos] == '.') {
                if (pos + 2 < in.length && in[pos + 1] == '\r' && in[pos + 2] == '\n') {
                    return new Result(out.toByteArray(), pos + 3, Kind.BODY);
                }
                if (pos + 1 == in.length || pos + 2 == in.length && in[pos + 1] == '\r') {
                    return new Result(out.toByteArray(), in.length, Kind.EOF); // still undecided
                }
                pos++; // a stuffed dot
                lineStart = false;
                continue;
            }
            if (pos == in.length) {
                return new Result(out.toByteArray(), in.length, Kind.EOF);
            }
            byte b = in[pos++];
            out.write(b);
            if (out.size() > max) {
                return new Result(out.toByteArray(), pos, Kind.TOO_LARGE);
            }
            // only CRLF starts a line; the CR must be message text (it is: a dot is never one)
            lineStart = b == '\n' && pos >= 2 && in[pos - 2] == '\r';
        }
    }
}
