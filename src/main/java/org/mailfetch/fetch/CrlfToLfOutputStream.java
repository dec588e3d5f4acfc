package org.mailfetch.fetch;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Turns the wire's CRLF line endings into the LF that Maildir files use; a lone CR is kept. */
final class CrlfToLfOutputStream extends FilterOutputStream {

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
                out.write('\r');
            }
        }
        if (b == '\r') {
            pendingCr = true;
        } else {
            out.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] == '\r' || pendingCr) {
                out.write(b, start, i - start);
                write(b[i]);
                start = i + 1;
            } else if (b[i] == '\n') {
                lines++;
            }
        }
        out.write(b, start, end - start);
    }

    @Override
    public void close() throws IOException {
        if (pendingCr) {
            pendingCr = false;
            out.write('\r');
        }
        super.close();
    }
}
