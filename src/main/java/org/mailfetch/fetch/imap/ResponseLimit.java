package org.mailfetch.fetch.imap;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.mailfetch.fetch.ServerException;

/**
 * Bounds each IMAP response a server sends before Angus Mail reads it. Angus allocates a literal's
 * announced size at once ({@code {2000000000}} would be 2 GB) and grows its buffer for a line
 * until CRLF comes; so a hostile or broken server could exhaust the heap with one response. This
 * stream follows the response syntax — lines, and the literals announced at their ends — and fails
 * the connection as soon as one response (a line with its literals) would exceed {@code max}
 * bytes: before Angus sees the announcement of a literal too large, and as soon as a line grows too
 * long. Responses that fit pass through unchanged.
 */
final class ResponseLimit extends FilterInputStream {

    /** Longest literal size announcement looked at: {@code {} and up to 10 digits and {@code }}. */
    private static final int TAIL = 16;

    private final long max;
    private long inResponse;
    private long literalLeft;
    /** The end of the current line, to find {n} before its CRLF. */
    private final byte[] tail = new byte[TAIL];
    private int tailLength;

    ResponseLimit(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            see((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        for (int i = 0; i < n; i++) {
            see(buf[off + i]);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }

    private void see(byte b) throws IOException {
        if (++inResponse > max) {
            throw tooLong("a response longer than " + max + " bytes");
        }
        if (literalLeft > 0) {
            literalLeft--;
            return;
        }
        if (tailLength == TAIL) {
            System.arraycopy(tail, 1, tail, 0, TAIL - 1);
            tailLength--;
        }
        tail[tailLength++] = b;
        if (b != '\n' || tailLength < 2 || tail[tailLength - 2] != '\r') {
            return;
        }
        long literal = literalAtLineEnd();
        if (literal == -2) {
            throw tooLong("a literal announced with more than 12 digits");
        }
        tailLength = 0;
        if (literal < 0) {
            inResponse = 0; // a line without a literal at its end ends the response
        } else if (literal > max - inResponse) {
            throw tooLong("a literal of " + literal + " bytes");
        } else {
            literalLeft = literal;
        }
    }

    /** The n of a line ending in {n}CRLF; -1 when the line announces no literal, -2 when n has too many digits. */
    private long literalAtLineEnd() {
        int close = tailLength - 3;
        if (close < 1 || tail[close] != '}') {
            return -1;
        }
        long n = 0;
        int i = close - 1;
        int digits = 0;
        for (; i >= 0 && tail[i] >= '0' && tail[i] <= '9'; i--) {
            digits++;
        }
        if (digits > 0 && i < 0) {
            return -2; // the digits run past what is kept: Angus would read them all as the size
        }
        if (digits == 0 || tail[i] != '{') {
            return -1;
        }
        for (int j = i + 1; j < close; j++) {
            n = n * 10 + (tail[j] - '0');
        }
        return n;
    }

    private ServerException tooLong(String what) {
        return new ServerException(ServerException.Kind.PROTOCOL, "the IMAP server sent " + what + ", more than"
                + " mailfetch accepts in one response (" + max + " bytes); the connection is dropped");
    }
}
