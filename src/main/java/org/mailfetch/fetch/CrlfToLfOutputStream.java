package org.mailfetch.fetch;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns the wire's CRLF line endings into the LF that Maildir files use; a lone CR is kept. A CR
 * that ends a write is held until the next byte shows whether an LF follows; {@link #flush()}
 * leaves it held, {@link #close()} writes it. Bulk: the bytes are compacted into one buffer and go
 * out in runs of its size, so that the stream below (digest, file) sees a few large writes per
 * message, not one or two per line.
 */
final class CrlfToLfOutputStream extends FilterOutputStream {

    private final byte[] stage = new byte[65536];
    private int staged;
    private boolean pendingCr;
    private long lines;

    CrlfToLfOutputStream(OutputStream out) {
        super(out);
    }

    /** Line feeds seen so far (each CRLF or bare LF ends one line). */
    long lines() {
        return lines;
    }

    @Override
    public void write(int b) throws IOException {
        if (b == '\n') {
            lines++;
        }
        if (pendingCr) {
            pendingCr = false;
            if (b != '\n') {
                put((byte) '\r');
            }
        }
        if (b == '\r') {
            pendingCr = true;
        } else {
            put((byte) b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return;
        }
        int end = off + len;
        int i = off;
        if (pendingCr) {
            pendingCr = false;
            if (b[i] != '\n') {
                put((byte) '\r');
            }
        }
        long lf = 0;
        while (i < end) {
            int start = i;
            while (i < end) {
                byte c = b[i];
                if (c == '\r') {
                    break;
                }
                if (c == '\n') {
                    lf++;
                }
                i++;
            }
            put(b, start, i - start);
            if (i == end) {
                break;
            }
            // b[i] is a CR: dropped before an LF, kept otherwise, held when the write ends here
            if (i + 1 == end) {
                pendingCr = true;
            } else if (b[i + 1] != '\n') {
                put((byte) '\r');
            }
            i++;
        }
        lines += lf;
    }

    private void put(byte b) throws IOException {
        if (staged == stage.length) {
            drain();
        }
        stage[staged++] = b;
    }

    private void put(byte[] b, int off, int len) throws IOException {
        if (len >= stage.length - staged) {
            drain();
            if (len >= stage.length) {
                out.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, stage, staged, len);
        staged += len;
    }

    private void drain() throws IOException {
        if (staged > 0) {
            out.write(stage, 0, staged);
            staged = 0;
        }
    }

    /** Writes what is staged and flushes; a held CR stays held. */
    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (pendingCr) {
            pendingCr = false;
            put((byte) '\r');
        }
        super.close();
    }
}
