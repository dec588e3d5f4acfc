package org.mailfetch.fetch.imap;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bounds each IMAP response a server sends before Angus Mail reads it. Angus allocates a literal's
 * announced size at once ({@code {2000000000}} would be 2 GB) and grows its buffer for a line
 * until CRLF comes; so a hostile or broken server could exhaust the heap with one response. This
 * stream follows the response syntax — lines, and the literals announced at their ends — and fails
 * the connection as soon as one response (a line with its literals) would exceed {@code max}
 * bytes: before Angus sees the announcement of a literal too large, and as soon as a line grows too
 * long. Responses that fit pass through unchanged. The framing is Angus' own ({@link ImapFraming}):
 * a negative literal size fails the connection, the untagged responses to one command are bounded,
 * and message numbers must lie within mailfetch.fetch.max-listing.
 */
final class ResponseLimit extends FilterInputStream {

    /** mailfetch.fetch.max-listing's default, for callers that do not pass the setting. */
    static final int DEFAULT_MAX_MESSAGES = 500_000;

    private final ImapFraming framing;

    ResponseLimit(InputStream in, long max) {
        this(in, max, DEFAULT_MAX_MESSAGES);
    }

    /** {@code maxMessages}: mailfetch.fetch.max-listing, the most messages a folder may announce. */
    ResponseLimit(InputStream in, long max, long maxMessages) {
        super(in);
        this.framing = new ImapFraming(max, maxMessages);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            framing.see(b);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        for (int i = 0; i < n; i++) {
            framing.see(buf[off + i] & 0xff);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }
}
