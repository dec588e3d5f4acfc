package org.mailfetch.filter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A client of SpamAssassin's spamd (SPAMC/SPAMD protocol 1.5 over TCP). It sends {@code SYMBOLS}:
 * spamd answers with the score, its own threshold and the names of the rules that hit, and never
 * returns a rewritten message (as {@code PROCESS} would).
 */
public final class SpamdClient {

    /** spamd's answer: score, spamd's own required score, and the rules that hit. */
    public record Verdict(double score, double threshold, List<String> rules) {}

    private static final int MAX_ANSWER = 64 * 1024;

    private final String host;
    private final int port;
    private final Duration timeout;
    private final ScannerBreaker breaker = new ScannerBreaker();

    public SpamdClient(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    /** How logs, headers and the account status name this scanner. */
    public String describe() {
        return "spamd at " + host + ":" + port;
    }

    /** Scores the message in {@code file}. */
    public Verdict check(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return check(in, Files.size(file));
        }
    }

    /**
     * Scores the {@code size} bytes of {@code message}; any failure to get a well-formed answer is a
     * {@link ScannerUnavailableException}.
     */
    public Verdict check(InputStream message, long size) throws ScannerUnavailableException {
        return breaker.call(describe(), timeout, () -> ScannerConnection.tcp(host, port, timeout), c -> {
            OutputStream out = c.out();
            out.write(("SYMBOLS SPAMC/1.5\r\nContent-length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long sent = message.transferTo(out);
            if (sent != size) {
                throw new IOException("message is " + sent + " bytes, not " + size);
            }
            c.finishRequest();
            return parse(readAnswer(c.in()));
        });
    }

    private static byte[] readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            answer.write(buf, 0, n);
            if (answer.size() > MAX_ANSWER) {
                throw new IOException("answer longer than " + MAX_ANSWER + " bytes");
            }
        }
        return answer.toByteArray();
    }

    /**
     * Parses a SYMBOLS answer: {@code SPAMD/1.1 0 EX_OK}, headers including
     * {@code Spam: True ; 1000.0 / 5.0}, an empty line, then the rule names separated by commas.
     */
    static Verdict parse(byte[] raw) throws ScannerUnavailableException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        int sepLen = 4;
        if (end < 0) {
            end = text.indexOf("\n\n");
            sepLen = 2;
        }
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + sepLen);
        String[] lines = head.split("\r?\n");
        String[] status = lines[0].trim().split("\\s+", 3);
        if (status.length < 2 || !status[0].startsWith("SPAMD/")) {
            throw new ScannerUnavailableException("not a spamd answer: " + abbreviate(lines[0]));
        }
        if (!"0".equals(status[1])) {
            throw new ScannerUnavailableException("spamd refused the request: " + abbreviate(lines[0]));
        }
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("spam")) {
                return verdict(lines[i].substring(colon + 1), body);
            }
        }
        throw new ScannerUnavailableException("spamd answer without a Spam header: " + abbreviate(head));
    }

    private static Verdict verdict(String value, String body) throws ScannerUnavailableException {
        // " True ; 1000.0 / 5.0"
        String[] flagAndScores = value.split(";", 2);
        String[] scores = flagAndScores.length == 2 ? flagAndScores[1].split("/", 2) : new String[0];
        try {
            double score = Double.parseDouble(scores[0].trim());
            double threshold = Double.parseDouble(scores[1].trim());
            List<String> rules = Arrays.stream(body.trim().split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
            return new Verdict(score, threshold, rules);
        } catch (RuntimeException e) {
            throw new ScannerUnavailableException("unreadable spamd score: " + abbreviate(value));
        }
    }

    private static String abbreviate(String s) {
        String t = s.replaceAll("[\\r\\n]+", " ").strip();
        return t.length() <= 120 ? t : t.substring(0, 117) + "...";
    }
}
