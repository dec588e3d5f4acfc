package org.mailfetch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.SocketFactory;

/**
 * Benchmark baseline, the IMAP twin of {@link RawPop3Client}: the fastest a single IMAP session can
 * read a folder without pipelining. LOGIN, EXAMINE INBOX (read-only, as mailfetch opens a folder
 * under delete=never), {@code FETCH 1:* (UID RFC822.SIZE)} as the listing, then {@code UID FETCH uid
 * (BODY.PEEK[])} one message at a time (each literal read and thrown away), LOGOUT. Nothing is
 * parsed beyond the framing, stored, flagged or deleted. Unlike mailfetch it fetches each body in
 * one piece, not in 1 MiB partial chunks.
 */
public final class RawImapClient {

    private static final Pattern UID = Pattern.compile("\\bUID (\\d+)");

    private RawImapClient() {
    }

    /** Plain IMAP, or IMAPS when given an {@link javax.net.ssl.SSLSocketFactory}. */
    public static RawPop3Client.Result fetchAll(SocketFactory sockets, String host, int port, String user,
                                                String password) throws IOException {
        long started = System.nanoTime();
        try (Socket socket = sockets.createSocket(host, port)) {
            socket.setTcpNoDelay(true);
            Session session = new Session(socket.getInputStream(), socket.getOutputStream());
            session.response(null); // the greeting
            session.command("LOGIN " + quote(user) + " " + quote(password));
            session.command("EXAMINE INBOX");
            List<Long> uids = new ArrayList<>();
            for (String line : session.command("FETCH 1:* (UID RFC822.SIZE)")) {
                Matcher m = UID.matcher(line);
                if (m.find()) {
                    uids.add(Long.parseLong(m.group(1)));
                }
            }
            long bytes = 0;
            for (long uid : uids) {
                session.command("UID FETCH " + uid + " (BODY.PEEK[])");
                bytes += session.literalBytes;
            }
            session.command("LOGOUT");
            return new RawPop3Client.Result(uids.size(), bytes, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** One IMAP conversation over its own read buffer. */
    private static final class Session {
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;
        private int tags;
        /** Literal bytes of the last command's untagged responses (read and dropped). */
        long literalBytes;

        Session(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        /** Sends a command and returns its untagged lines (literals left out); anything but OK ends the benchmark. */
        List<String> command(String line) throws IOException {
            String tag = "a" + (++tags);
            out.write((tag + " " + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return response(tag);
        }

        /** Reads untagged lines until the tagged completion (or, for the greeting, one line). */
        List<String> response(String tag) throws IOException {
            List<String> lines = new ArrayList<>();
            literalBytes = 0;
            while (true) {
                String line = line();
                if (tag == null || line.startsWith(tag + " ")) {
                    String status = tag == null ? line : line.substring(tag.length() + 1);
                    if (!status.startsWith("OK") && !status.startsWith("* OK") && !status.startsWith("* PREAUTH")) {
                        throw new IOException("IMAP server said: " + line);
                    }
                    return lines;
                }
                lines.add(line);
            }
        }

        /** One response line; a literal announced at a line's end is skipped and the line goes on after it. */
        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int b = next();
                if (b == '\n') {
                    int end = line.length();
                    if (end > 0 && line.charAt(end - 1) == '\r') {
                        line.setLength(--end);
                    }
                    long literal = literalAt(line);
                    if (literal < 0) {
                        return line.toString();
                    }
                    skip(literal);
                    literalBytes += literal;
                    continue;
                }
                line.append((char) b);
            }
        }

        private static long literalAt(StringBuilder line) {
            int end = line.length();
            if (end < 3 || line.charAt(end - 1) != '}') {
                return -1;
            }
            int open = line.lastIndexOf("{");
            if (open < 0) {
                return -1;
            }
            try {
                return Long.parseLong(line.substring(open + 1, end - 1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                if (position == limit) {
                    fill();
                }
                int step = (int) Math.min(n, limit - position);
                position += step;
                n -= step;
            }
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
                throw new IOException("IMAP server closed the connection");
            }
            position = 0;
            limit = n;
        }
    }
}
