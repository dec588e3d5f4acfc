package org.mailfetch.fetch.pop3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.mailfetch.fetch.SessionDeadlineException;
import org.mailfetch.fetch.TooLargeException;

/**
 * The server's side of the connection, read through one buffer with a bound on everything: a status
 * or listing line longer than its limit is a protocol error (never a growing buffer), a multi-line
 * message body is streamed out in runs of the buffer, and no read waits past the session deadline.
 */
final class LineInput {

    private final InputStream in;
    private final Socket socket;
    private final int readTimeoutMillis;
    private final byte[] buf = new byte[65536];
    private int pos;
    private int end;
    /** System.nanoTime() after which no read may start; Long.MAX_VALUE: none. */
    private volatile long deadlineNanos = Long.MAX_VALUE;
    /** Whether the current read's timeout is the time left to the deadline, not the read timeout. */
    private boolean cutByDeadline;

    LineInput(InputStream in, Socket socket, int readTimeoutMillis) {
        this.in = in;
        this.socket = socket;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    void deadline(long nanoTime) {
        this.deadlineNanos = nanoTime;
    }

    /** Bytes already read from the socket but not yet consumed (must be none before a TLS upgrade). */
    int buffered() {
        return end - pos;
    }

    private boolean fill() throws IOException {
        if (deadlineNanos != Long.MAX_VALUE) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new SessionDeadlineException("the session deadline passed while the server was still sending");
            }
            // each read waits no longer than the read timeout, nor past the deadline
            // rounded up: a read timing out a hair before the deadline must still count as the deadline
            long leftMillis = Math.max(1, (left + 999_999) / 1_000_000);
            cutByDeadline = leftMillis < readTimeoutMillis;
            socket.setSoTimeout((int) Math.min(readTimeoutMillis, leftMillis));
        }
        int n = read();
        if (n < 0) {
            return false;
        }
        end = n;
        pos = 0;
        return true;
    }

    private int read() throws IOException {
        try {
            return in.read(buf, 0, buf.length);
        } catch (IOException e) {
            // a socket timeout cut short by the deadline, or the client's watchdog closing the socket
            // (TLS reads wait for whole records, which a server can trickle below any read timeout)
            if (deadlineNanos != Long.MAX_VALUE && (e instanceof SocketTimeoutException && cutByDeadline
                    || System.nanoTime() - deadlineNanos >= 0)) {
                throw new SessionDeadlineException("the session deadline passed while the server was still sending");
            }
            throw e;
        }
    }

    /**
     * One line without its line ending (CRLF, or a bare LF from a sloppy server). A line of more
     * than {@code max} bytes is a protocol error: the reader never holds more than that.
     */
    byte[] readLine(int max, String what) throws IOException {
        byte[] line = new byte[Math.min(max + 2, 256)];
        int len = 0;
        while (true) {
            if (pos == end && !fill()) {
                throw new EOFException("the server closed the connection" + (len > 0 ? " in the middle of " + what : ""));
            }
            int i = pos;
            while (i < end && buf[i] != '\n') {
                i++;
            }
            int chunk = i - pos;
            if (len + chunk > max + 1) {
                throw Pop3Exception.protocol(what + " longer than " + max + " bytes");
            }
            if (len + chunk > line.length) {
                line = Arrays.copyOf(line, Math.min(max + 2, Math.max(line.length * 2, len + chunk)));
            }
            System.arraycopy(buf, pos, line, len, chunk);
            len += chunk;
            if (i < end) {
                pos = i + 1;
                if (len > 0 && line[len - 1] == '\r') {
                    len--;
                }
                if (len > max) {
                    throw Pop3Exception.protocol(what + " longer than " + max + " bytes");
                }
                return Arrays.copyOf(line, len);
            }
            pos = end;
        }
    }

    /**
     * Streams the body of a multi-line reply to {@code out}, dot-unstuffed, line endings as sent.
     * Only CRLF "." CRLF ends it: a "." after a bare LF is message text. More than {@code max}
     * bytes of body is a {@link TooLargeException}; the rest of the reply is then left unread.
     * Returns the number of body bytes written.
     *
     * <p>Bulk: inside a line the buffer is only scanned for the next LF, and the body goes out in
     * runs as long as what one read brought (a run breaks only at a stuffed dot), so that a large
     * message costs one scan and one copy per byte. Everything decided is written before the next
     * read: a cut connection leaves exactly the body bytes that arrived (less a pending line-start
     * "." or "." CR), and the size limit is checked on each run before it is written.
     */
    long streamBody(OutputStream out, long max) throws IOException {
        // LINE_START: after CRLF (or at the start of the body); DOT: "." seen there; DOT_CR: "." CR
        // seen there (the CR is held back until we know it is not the terminator); IN_LINE: anywhere
        // else, with crBefore telling whether the byte before the scan position was a CR
        final int lineStart = 0;
        final int dot = 1;
        final int dotCr = 2;
        final int inLine = 3;
        int state = lineStart;
        boolean crBefore = false;
        long written = 0;
        while (true) {
            if (pos == end && !fill()) {
                throw new EOFException("the server closed the connection in the middle of a message");
            }
            final byte[] b = buf;
            final int e = end;
            int runStart = pos;
            int i = pos;
            while (i < e) {
                if (state == inLine) {
                    int j = indexOfLf(b, i, e);
                    if (j == e) {
                        if (j > i) {
                            crBefore = b[j - 1] == '\r';
                        }
                        i = e;
                        break;
                    }
                    // an LF ends a line; only CRLF starts one that may hold a stuffed dot or the terminator
                    if (j > i ? b[j - 1] == '\r' : crBefore) {
                        state = lineStart;
                    }
                    crBefore = false;
                    i = j + 1;
                } else if (state == lineStart) {
                    if (b[i] == '.') {
                        // the first dot of a line is stuffing or the terminator: never message text
                        written += flush(out, runStart, i, written, max);
                        runStart = i + 1;
                        state = dot;
                        i++;
                    } else {
                        state = inLine; // this byte is scanned as line text
                    }
                } else if (state == dot) {
                    if (b[i] == '\r') {
                        state = dotCr;
                        runStart = i + 1;
                        i++;
                    } else {
                        state = inLine; // "." then a bare LF does not start a line that may end the body
                        if (b[i] == '\n') {
                            i++;
                        }
                    }
                } else { // dotCr
                    if (b[i] == '\n') {
                        pos = i + 1;
                        return written;
                    }
                    written += write(out, (byte) '\r', written, max);
                    runStart = i;
                    state = inLine; // the held-back CR is not followed by LF: this byte is line text
                }
            }
            if (state != dotCr) {
                written += flush(out, runStart, i, written, max);
            }
            pos = e;
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** The index of the first LF in b[from, to), or {@code to}: eight bytes a step (the zero-byte test on x ^ LF). */
    static int indexOfLf(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ LFS;
            // the lowest set bit marks the first zero byte exactly (a borrow only disturbs higher bytes)
            long zero = (x - ONES) & ~x & HIGHS;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return to;
    }

    private long flush(OutputStream out, int from, int to, long written, long max) throws IOException {
        int n = to - from;
        if (n > 0) {
            if (written + n > max) {
                throw new TooLargeException(max);
            }
            out.write(buf, from, n);
        }
        return n;
    }

    private static long write(OutputStream out, byte b, long written, long max) throws IOException {
        if (written + 1 > max) {
            throw new TooLargeException(max);
        }
        out.write(b);
        return 1;
    }
}
