package org.mailfetch.filter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of ClamAV's clamd: {@code zINSTREAM} over TCP or a Unix socket, the message sent in
 * chunks (4-byte big-endian length, then the bytes; a zero length ends the stream). Messages larger
 * than clamd's StreamMaxLength must not be sent: the caller skips them (see {@link VirusCheck}).
 */
public final class ClamdClient {

    /** clamd's answer: a signature name, or null for clean; {@code tooLarge} when the message exceeds its StreamMaxLength. */
    public record Verdict(String signature, boolean tooLarge) {
        public boolean infected() {
            return signature != null;
        }
    }

    private static final int CHUNK = 64 * 1024;
    private static final int MAX_ANSWER = 4096;

    private final String host;
    private final int port;
    private final Path socket;
    private final Duration timeout;
    private final ScannerBreaker breaker = new ScannerBreaker();

    private ClamdClient(String host, int port, Path socket, Duration timeout) {
        this.host = host;
        this.port = port;
        this.socket = socket;
        this.timeout = timeout;
    }

    public static ClamdClient tcp(String host, int port, Duration timeout) {
        return new ClamdClient(host, port, null, timeout);
    }

    public static ClamdClient unix(Path socket, Duration timeout) {
        return new ClamdClient(null, 0, socket, timeout);
    }

    public String describe() {
        return socket != null ? "clamd at " + socket : "clamd at " + host + ":" + port;
    }

    public Verdict scan(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return scan(in);
        }
    }

    /** Streams {@code message} to clamd; any failure to get a well-formed answer is a {@link ScannerUnavailableException}. */
    public Verdict scan(InputStream message) throws ScannerUnavailableException {
        return breaker.call(describe(), timeout,
                () -> socket != null ? ScannerConnection.unix(socket, timeout) : ScannerConnection.tcp(host, port, timeout),
                c -> {
                    OutputStream out = c.out();
                    out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
                    byte[] buf = new byte[CHUNK];
                    try {
                        int n;
                        while ((n = message.readNBytes(buf, 0, buf.length)) > 0) {
                            writeLength(out, n);
                            out.write(buf, 0, n);
                        }
                        writeLength(out, 0);
                        out.flush();
                    } catch (IOException writing) {
                        // clamd answers and closes as soon as a stream exceeds its StreamMaxLength: read why
                        String answer = readAnswerQuietly(c.in());
                        if (answer != null && !answer.isBlank()) {
                            return parse(answer);
                        }
                        throw writing;
                    }
                    return parse(readAnswer(c.in()));
                });
    }

    private static void writeLength(OutputStream out, int n) throws IOException {
        out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    }

    private static String readAnswerQuietly(InputStream in) {
        try {
            return readAnswer(in);
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads up to the NUL that ends a z-command's answer (or EOF). */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) > 0) {
            answer.write(b);
            if (answer.size() > MAX_ANSWER) {
                throw new IOException("answer longer than " + MAX_ANSWER + " bytes");
            }
        }
        return answer.toString(StandardCharsets.UTF_8);
    }

    /** {@code stream: OK}, {@code stream: <signature> FOUND}, {@code INSTREAM size limit exceeded. ERROR}, or another error. */
    static Verdict parse(String answer) throws ScannerUnavailableException {
        String a = answer.strip();
        if (a.endsWith(" FOUND")) {
            String s = a.substring(0, a.length() - " FOUND".length());
            int colon = s.indexOf(": ");
            return new Verdict(colon >= 0 ? s.substring(colon + 2).strip() : s.strip(), false);
        }
        if (a.endsWith(": OK") || a.equals("OK")) {
            return new Verdict(null, false);
        }
        if (a.contains("size limit exceeded")) {
            return new Verdict(null, true);
        }
        throw new ScannerUnavailableException("clamd answered: " + (a.isEmpty() ? "(nothing)" : a));
    }
}
