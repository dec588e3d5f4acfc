package org.mailfetch.fetch;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

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

    /**
     * Starts over for the next message, into {@code next}: nothing staged, no CR held, no lines
     * counted. A session keeps one stream (its 64 KiB stage) for all its messages: allocating and
     * zeroing the stage per message cost as much CPU as the rest of a small message's download.
     */
    CrlfToLfOutputStream restart(OutputStream next) {
        out = next;
        staged = 0;
        pendingCr = false;
        lines = 0;
        return this;
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
        while (i < end) {
            int cr = indexOfCr(b, i, end);
            put(b, i, cr - i);
            if (cr == end) {
                break;
            }
            // a CR: dropped before an LF (which starts the next run), kept otherwise, held when the write ends here
            if (cr + 1 == end) {
                pendingCr = true;
            } else if (b[cr + 1] != '\n') {
                put((byte) '\r');
            }
            i = cr + 1;
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long CRS = 0x0D0D0D0D0D0D0D0DL;
    private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;

    /**
     * The index of the first CR in b[from, to), or {@code to}; counts the LFs before it. Eight bytes a
     * step: a line of base64 costs about ten word tests, not 78 byte tests.
     */
    private int indexOfCr(byte[] b, int from, int to) {
        int i = from;
        long lf = 0;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            long cr = zeroBytes(x ^ CRS);
            long nl = zeroBytes(x ^ LFS);
            if (cr != 0) {
                // little-endian: the bytes before the first CR are the bits below its marker
                lines += lf + Long.bitCount(nl & (Long.lowestOneBit(cr) - 1));
                return i + (Long.numberOfTrailingZeros(cr) >>> 3);
            }
            lf += Long.bitCount(nl);
        }
        for (; i < to; i++) {
            if (b[i] == '\r') {
                break;
            }
            if (b[i] == '\n') {
                lf++;
            }
        }
        lines += lf;
        return i;
    }

    /** The top bit of each zero byte of y, and no other bit: exact, since no carry crosses a byte. */
    private static long zeroBytes(long y) {
        return ~(((y & LOWS) + LOWS) | y | LOWS);
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
