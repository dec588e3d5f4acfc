package org.mailfetch.fetch.pop3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
     */
    long streamBody(OutputStream out, long max) throws IOException {
        // 0: at the start of a line that follows CRLF (or of the body); 1: "." seen there;
        // 2: "." CR seen there; 3: inside a line; 4: inside a line, CR just seen
        int state = 0;
        long written = 0;
        while (true) {
            if (pos == end && !fill()) {
                throw new EOFException("the server closed the connection in the middle of a message");
            }
            int runStart = pos;
            int i = pos;
            for (; i < end; i++) {
                byte b = buf[i];
                switch (state) {
                    case 0 -> {
                        if (b == '.') {
                            // the first dot of a line is stuffing or the terminator: never message text
                            written += flush(out, runStart, i, written, max);
                            runStart = i + 1;
                            state = 1;
                        } else {
                            state = b == '\r' ? 4 : 3;
                        }
                    }
                    case 1 -> {
                        if (b == '\r') {
                            state = 2;
                            runStart = i + 1; // held back until we know it is not the terminator
                        } else {
                            state = 3; // a bare LF after "." does not start a line that may end the body
                        }
                    }
                    case 2 -> {
                        if (b == '\n') {
                            pos = i + 1;
                            return written;
                        }
                        written += write(out, (byte) '\r', written, max);
                        runStart = i;
                        state = b == '\r' ? 4 : 3;
                    }
                    case 3 -> {
                        if (b == '\r') {
                            state = 4;
                        }
                    }
                    default -> { // 4
                        state = b == '\n' ? 0 : b == '\r' ? 4 : 3;
                    }
                }
            }
            if (state != 2) {
                written += flush(out, runStart, i, written, max);
            }
            pos = end;
        }
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
