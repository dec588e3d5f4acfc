package org.mailfetch.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * One SMTP/LMTP server reply (RFC 5321 4.2): a three-digit code and its text, possibly over several
 * lines ({@code 250-...} continues, {@code 250 ...} ends). {@link #read} parses it from a server
 * that may be hostile: every line and the number of lines are bounded, the code must be three ASCII
 * digits and equal on every line, and the text keeps no control character.
 */
record SmtpReply(int code, String text) {

    /** RFC 5321 4.5.3.1.5 allows 512 octets per reply line; generous slack for real servers. */
    static final int MAX_LINE = 4096;
    /** Lines of one multi-line reply (an EHLO/LHLO lists a few dozen at most). */
    static final int MAX_LINES = 200;

    boolean ok() {
        return code >= 200 && code < 300;
    }

    boolean permanent() {
        return code >= 500;
    }

    @Override
    public String toString() {
        return text;
    }

    /** A reply the server sent that breaks the protocol: the connection cannot be trusted further. */
    static final class MalformedReplyException extends IOException {
        MalformedReplyException(String message) {
            super(message);
        }
    }

    /**
     * Reads one reply. Throws {@link MalformedReplyException} for a reply that is not one (and
     * {@link IOException} when the stream ends or fails); never anything else.
     */
    static SmtpReply read(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        int code = -1;
        for (int lines = 1; ; lines++) {
            if (lines > MAX_LINES) {
                throw new MalformedReplyException("server reply has more than " + MAX_LINES + " lines");
            }
            String line = line(in);
            if (line.length() < 3 || !digit(line.charAt(0)) || !digit(line.charAt(1)) || !digit(line.charAt(2))
                    || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new MalformedReplyException("server sent a malformed reply: " + printable(line, 80));
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && lineCode != code) {
                throw new MalformedReplyException("server reply changes its code from " + code + " to " + lineCode);
            }
            code = lineCode;
            text.append(text.length() == 0 ? "" : " ").append(printable(line, MAX_LINE));
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new SmtpReply(code, text.toString());
            }
        }
    }

    /** One line without its CRLF (or LF), at most {@link #MAX_LINE} bytes. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("server closed the connection");
            }
            if (buf.size() >= MAX_LINE) {
                throw new MalformedReplyException("server reply line longer than " + MAX_LINE + " bytes");
            }
            buf.write(b);
        }
        byte[] bytes = buf.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Control characters (a stray CR, ESC, ...) become '?': reply text ends up in logs and notices. */
    private static String printable(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return b.toString();
    }
}
