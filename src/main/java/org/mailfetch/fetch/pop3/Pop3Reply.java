package org.mailfetch.fetch.pop3;

import java.nio.charset.StandardCharsets;

/**
 * A status line: {@code +OK text} or {@code -ERR [CODE] text}. The text is kept as the server sent
 * it (Latin-1, so every byte maps to one char); whoever logs it escapes it.
 */
public record Pop3Reply(boolean ok, String code, String text) {

    /** Parses one status line (without CRLF). Anything but +OK / -ERR is a protocol error. */
    public static Pop3Reply parse(byte[] line) throws Pop3Exception {
        String s = new String(line, StandardCharsets.ISO_8859_1);
        boolean ok;
        String rest;
        if (s.startsWith("+OK")) {
            ok = true;
            rest = s.substring(3);
        } else if (s.startsWith("-ERR")) {
            ok = false;
            rest = s.substring(4);
        } else {
            throw Pop3Exception.protocol("not a POP3 reply: " + shortened(s));
        }
        if (!rest.isEmpty() && rest.charAt(0) != ' ') {
            throw Pop3Exception.protocol("not a POP3 reply: " + shortened(s));
        }
        rest = rest.strip();
        String code = null;
        // RFC 2449 extended response code: "[" code "]" at the start of the text
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close > 1) {
                code = rest.substring(1, close).toUpperCase(java.util.Locale.ROOT);
                rest = rest.substring(close + 1).strip();
            }
        }
        return new Pop3Reply(ok, code, rest);
    }

    /** Whether the response code says "try again later" (RFC 2449 IN-USE, RFC 3206 SYS/TEMP). */
    public boolean temporary() {
        return code != null && (code.equals("IN-USE") || code.equals("SYS/TEMP") || code.equals("LOGIN-DELAY"));
    }

    /** The reply as one short line for error messages. */
    @Override
    public String toString() {
        return (ok ? "+OK" : "-ERR") + (code == null ? "" : " [" + code + "]") + (text.isEmpty() ? "" : " " + shortened(text));
    }

    static String shortened(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
