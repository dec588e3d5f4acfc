package org.mailfetch.fetch.pop3;

import java.nio.charset.StandardCharsets;

/**
 * Parses the parts of POP3 replies that carry numbers: the STAT count and the lines of UIDL and
 * LIST ("n value"). Linear in the line, bounded by the line cap, and a clear protocol error for
 * anything that is not a number in range — never a NumberFormatException with the server's text.
 */
public final class Listings {

    private Listings() {}

    /** A non-negative decimal count that fits an int; else a protocol error naming {@code what}. */
    public static int count(String token, String what) throws Pop3Exception {
        long v = number(token, what, Integer.MAX_VALUE);
        return (int) v;
    }

    /** A non-negative decimal size (a long). */
    public static long size(String token, String what) throws Pop3Exception {
        return number(token, what, Long.MAX_VALUE);
    }

    private static long number(String token, String what, long max) throws Pop3Exception {
        if (token.isEmpty() || token.length() > 19) {
            throw Pop3Exception.protocol(what + ": expected a number, got '" + Pop3Reply.shortened(token) + "'");
        }
        long v = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                throw Pop3Exception.protocol(what + ": expected a number, got '" + Pop3Reply.shortened(token) + "'");
            }
            v = v * 10 + (c - '0');
            if (v > max || v < 0) {
                throw Pop3Exception.protocol(what + ": number out of range: " + Pop3Reply.shortened(token));
            }
        }
        return v;
    }

    /**
     * One "n value" line of a UIDL or LIST reply; n must be 1..count and the value non-empty. The
     * value is the rest of the line (LIST callers take its first word, the size).
     */
    public static Pop3Client.Entry entry(byte[] line, int count, String what) throws Pop3Exception {
        String s = new String(line, StandardCharsets.ISO_8859_1).strip();
        int sp = s.indexOf(' ');
        if (sp <= 0) {
            throw Pop3Exception.protocol(what + ": expected \"number value\", got '" + Pop3Reply.shortened(s) + "'");
        }
        long n = number(s.substring(0, sp), what + " message number", Integer.MAX_VALUE);
        if (n < 1 || n > count) {
            throw Pop3Exception.protocol(what + ": message number " + n + " is not between 1 and " + count);
        }
        String value = s.substring(sp + 1).strip();
        if (value.isEmpty()) {
            throw Pop3Exception.protocol(what + ": no value for message " + n);
        }
        return new Pop3Client.Entry((int) n, value);
    }
}
