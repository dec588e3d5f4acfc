package org.mailfetch.mail;

/**
 * Makes text from outside (server replies, headers, addresses, UIDLs, admin input) safe to print:
 * control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides are
 * written as {@code \xNN} / {@code \}{@code uNNNN} escapes, so nothing a sender or server says can
 * start a log line of its own, move the cursor, recolour a terminal or reorder what an operator reads.
 * A backslash is doubled so that an escape in the output is always ours. Long text is cut.
 */
public final class Printable {

    /** Longest text printed from one value; the rest is replaced by a count. */
    public static final int MAX_CHARS = 2000;

    private Printable() {}

    /** The escaped text, cut after {@link #MAX_CHARS} characters; {@code null} stays "null". */
    public static String of(Object value) {
        return escape(String.valueOf(value), MAX_CHARS);
    }

    public static String escape(String s, int maxChars) {
        StringBuilder out = null;
        int n = s.length();
        int limit = Math.min(n, maxChars);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            if (needsEscape(c)) {
                if (out == null) {
                    out = new StringBuilder(limit + 16).append(s, 0, i);
                }
                if (c < 0x100) {
                    out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                } else {
                    out.append(String.format("\\u%04x", (int) c));
                }
            } else if (c == '\\') {
                if (out == null) {
                    out = new StringBuilder(limit + 16).append(s, 0, i);
                }
                out.append("\\\\");
            } else if (out != null) {
                out.append(c);
            }
        }
        if (n > limit) {
            if (out == null) {
                out = new StringBuilder(limit + 32).append(s, 0, limit);
            }
            out.append("...(").append(n - limit).append(" more chars)");
        }
        return out == null ? s : out.toString();
    }

    /** True when the text holds a character that {@link #of} would escape. */
    public static boolean hasControl(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (needsEscape(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0)
                || c == '\u2028' || c == '\u2029'          // line / paragraph separators
                || (c >= '\u202a' && c <= '\u202e')         // bidi embeddings and overrides
                || (c >= '\u2066' && c <= '\u2069')         // bidi isolates
                || c == '\u200e' || c == '\u200f' || c == '\u061c' // directional marks
                || c == '\ufeff';
    }
}
