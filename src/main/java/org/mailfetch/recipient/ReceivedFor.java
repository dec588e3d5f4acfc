package org.mailfetch.recipient;

/**
 * Finds the address of the {@code for} clause in an unfolded Received header value: {@code ... for
 * <bob@example.com>; date} or {@code for bob@example.com;}. It accepts what the former pattern
 * {@code (?i)\bfor\s+<?\s*([^\s<>;]+@[^\s<>;]+?)\s*>?\s*(?:;|$)} accepted, but as one forward scan:
 * that pattern backtracked quadratically on {@code for @@@@...} (47 s for 47 KiB), and the header
 * comes from any sender.
 *
 * <p>Each candidate {@code for} is checked by moving forward over white space, an optional
 * {@code <}, one address token, an optional {@code >} and a {@code ;} (or the end). A candidate that
 * fails resumes the search after its own {@code for}; the next candidate that can succeed lies past
 * the failed one's token, so no character is scanned more than a constant number of times.
 */
final class ReceivedFor {

    private ReceivedFor() {}

    /** The address token of the first matching {@code for} clause, or null. */
    static String find(String value) {
        int n = value.length();
        int from = 0;
        while (true) {
            int i = indexOfForWord(value, from);
            if (i < 0) {
                return null;
            }
            String address = clauseAt(value, i + 3, n);
            if (address != null) {
                return address;
            }
            from = i + 3;
        }
    }

    /** Position of the next "for" (any case) with a word boundary before it and white space after it. */
    private static int indexOfForWord(String s, int from) {
        for (int i = from; i + 3 < s.length(); i++) {
            if ((s.charAt(i) | 0x20) == 'f' && (s.charAt(i + 1) | 0x20) == 'o' && (s.charAt(i + 2) | 0x20) == 'r'
                    && (i == 0 || !isWordChar(s.charAt(i - 1))) && HeaderAddresses.isSpace(s.charAt(i + 3))) {
                return i;
            }
        }
        return -1;
    }

    /** The address of "\s+ <? \s* TOKEN \s* >? \s* (; | end)" starting at {@code p}, or null. */
    private static String clauseAt(String s, int p, int n) {
        p = skipSpaces(s, p, n);
        if (p < n && s.charAt(p) == '<') {
            p = skipSpaces(s, p + 1, n);
        }
        int start = p;
        boolean innerAt = false;
        while (p < n && !isTokenEnd(s.charAt(p))) {
            innerAt |= s.charAt(p) == '@' && p > start && p + 1 < n && !isTokenEnd(s.charAt(p + 1));
            p++;
        }
        if (!innerAt) {
            return null;
        }
        int end = p;
        p = skipSpaces(s, p, n);
        if (p < n && s.charAt(p) == '>') {
            p = skipSpaces(s, p + 1, n);
        }
        return p == n || s.charAt(p) == ';' ? s.substring(start, end) : null;
    }

    private static int skipSpaces(String s, int p, int n) {
        while (p < n && HeaderAddresses.isSpace(s.charAt(p))) {
            p++;
        }
        return p;
    }

    private static boolean isTokenEnd(char c) {
        return HeaderAddresses.isSpace(c) || c == '<' || c == '>' || c == ';';
    }

    /** Regex {@code \w}: ASCII letters, digits and underscore. */
    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }
}
