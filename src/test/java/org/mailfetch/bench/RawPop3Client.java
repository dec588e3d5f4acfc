package org.mailfetch.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.SocketFactory;

/**
 * Benchmark baseline: the fastest a single POP3 session can read a mailbox. USER/PASS, STAT, LIST,
 * then RETR (each reply read to its terminating {@code .CRLF} and thrown away), QUIT. Nothing is
 * parsed, stored or deleted. {@link #fetchAll} is lockstep (one RETR at a time, the next sent when
 * the previous reply has ended); {@link #fetchAllPipelined} keeps several RETR in flight (RFC 2449
 * PIPELINING, which the server must announce in CAPA), so no round trip is paid per message.
 */
public final class RawPop3Client {

    /** Messages read, their bytes as sent by the server (CRLF, dot-stuffed) and the session time. */
    public record Result(int messages, long bytes, Duration elapsed) {

        public double messagesPerSecond() {
            return messages / seconds();
        }

        public double megabytesPerSecond() {
            return bytes / 1e6 / seconds();
        }

        private double seconds() {
            return Math.max(elapsed.toNanos(), 1) / 1e9;
        }
    }

    private RawPop3Client() {
    }

    /** Plain POP3, or POP3S when given an {@link javax.net.ssl.SSLSocketFactory}. */
    public static Result fetchAll(SocketFactory sockets, String host, int port, String user, String password)
            throws IOException {
        long started = System.nanoTime();
        try (Socket socket = sockets.createSocket(host, port)) {
            socket.setTcpNoDelay(true);
            Session session = new Session(socket.getInputStream(), socket.getOutputStream());
            session.reply();
            session.command("USER " + user);
            session.command("PASS " + password);
            String[] stat = session.command("STAT").split(" ");
            int count = Integer.parseInt(stat[1]);
            session.command("LIST");
            session.skipMultiline();
            long bytes = 0;
            for (int i = 1; i <= count; i++) {
                session.command("RETR " + i);
                bytes += session.skipMultiline();
            }
            session.command("QUIT");
            return new Result(count, bytes, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /**
     * As {@link #fetchAll}, with up to {@code window} RETR commands sent ahead of the replies read:
     * each reply read sends the next command, so the server never waits for one.
     */
    public static Result fetchAllPipelined(SocketFactory sockets, String host, int port, String user, String password,
                                           int window) throws IOException {
        long started = System.nanoTime();
        try (Socket socket = sockets.createSocket(host, port)) {
            socket.setTcpNoDelay(true);
            Session session = new Session(socket.getInputStream(), socket.getOutputStream());
            session.reply();
            session.command("CAPA");
            if (!session.multilineText().contains("\nPIPELINING\n")) {
                throw new IOException("the POP3 server does not announce PIPELINING");
            }
            session.command("USER " + user);
            session.command("PASS " + password);
            String[] stat = session.command("STAT").split(" ");
            int count = Integer.parseInt(stat[1]);
            session.command("LIST");
            session.skipMultiline();
            long bytes = 0;
            int sent = 0;
            // the commands are a few bytes each: a window of them never fills the socket buffers
            while (sent < Math.min(window, count)) {
                session.send("RETR " + ++sent);
            }
            session.flush();
            for (int i = 1; i <= count; i++) {
                session.reply();
                bytes += session.skipMultiline();
                if (sent < count) {
                    session.send("RETR " + ++sent);
                    session.flush();
                }
            }
            session.command("QUIT");
            return new Result(count, bytes, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** One POP3 conversation over its own read buffer, so no byte of a reply is lost between calls. */
    private static final class Session {
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;

        Session(InputStream in, OutputStream out) {
            this.in = in;
            // commands go out on flush(), so pipelined ones share a segment (and a TLS record)
            this.out = new BufferedOutputStream(out, 8192);
        }

        String command(String line) throws IOException {
            send(line);
            flush();
            return reply();
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }

        void flush() throws IOException {
            out.flush();
        }

        /** The lines of a short multi-line reply (such as CAPA), each followed by LF, the first after an LF. */
        String multilineText() throws IOException {
            StringBuilder text = new StringBuilder("\n");
            while (true) {
                StringBuilder line = new StringBuilder();
                for (int b = next(); b != '\n'; b = next()) {
                    if (b != '\r') {
                        line.append((char) b);
                    }
                }
                if (line.toString().equals(".")) {
                    return text.toString();
                }
                text.append(line).append('\n');
            }
        }

        /** The status line; anything but {@code +OK} ends the benchmark. */
        String reply() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = next(); b != '\n'; b = next()) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            if (!line.toString().startsWith("+OK")) {
                throw new IOException("POP3 server said: " + line);
            }
            return line.toString();
        }

        /** Reads and drops a multi-line body; returns its size without the terminating line. */
        long skipMultiline() throws IOException {
            // matched prefix of "\r\n.\r\n" ; the status line has just ended, so start as after CRLF
            final byte[] terminator = {'\r', '\n', '.', '\r', '\n'};
            int matched = 2;
            long bytes = -3;
            while (matched < terminator.length) {
                if (position == limit) {
                    fill();
                }
                int end = limit;
                int i = position;
                for (; i < end && matched < terminator.length; i++) {
                    byte b = buffer[i];
                    if (b == terminator[matched]) {
                        matched++;
                    } else {
                        matched = b == '\r' ? 1 : 0;
                    }
                }
                bytes += i - position;
                position = i;
            }
            return bytes;
        }

        private int next() throws IOException {
            if (position == limit) {
                fill();
            }
            return buffer[position++];
        }

        private void fill() throws IOException {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("POP3 server closed the connection");
            }
            position = 0;
            limit = n;
        }
    }
}
