package org.mailfetch.recipient;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.mailfetch.mail.MailAddress;

/**
 * Mail addresses read leniently from header values: address lists with RFC 2047 display names,
 * group syntax ({@code friends: a@x, b@y;}, {@code undisclosed-recipients:;}), quoted local parts,
 * IDN domains in UTF-8 or punycode, and the {@code for <addr>} clause of Received headers. Garbage
 * yields no address and never an error: a bad header must not stop a message.
 *
 * <p>Header values come from any sender, so nothing here uses a backtracking regex: the fallback
 * scan and the Received {@code for} clause are single forward passes over at most
 * {@link #HEADER_SIZE_LIMIT} characters (longer values are cut there before anything looks at them;
 * {@link RecipientResolver} sends mail with such a header to the owner before it gets here).
 */
final class HeaderAddresses {

    /**
     * Longest header value that is read for addresses, in characters (Postfix's
     * {@code header_size_limit} default, 102400). A real To: with a thousand addresses fits easily.
     */
    static final int HEADER_SIZE_LIMIT = 102_400;

    private HeaderAddresses() {}

    /** The distinct addresses of an address-list header (To, Cc, Delivered-To, X-RCPT-TO, ...), in order. */
    static List<MailAddress> parse(String raw) {
        String value = unfold(utf8(capped(raw)));
        List<String> found = new ArrayList<>();
        try {
            for (InternetAddress a : InternetAddress.parseHeader(value, false)) {
                if (a.isGroup()) {
                    for (InternetAddress member : a.getGroup(false)) {
                        found.add(member.getAddress());
                    }
                } else {
                    found.add(a.getAddress());
                }
            }
        } catch (AddressException | RuntimeException e) {
            found.clear();
            found.addAll(looseAddresses(value));
        }
        Set<MailAddress> out = new LinkedHashSet<>();
        for (String text : found) {
            MailAddress a = address(text);
            if (a != null) {
                out.add(a);
            }
        }
        return List.copyOf(out);
    }

    /** The address of a Received header's {@code for} clause, if it has one. */
    static List<MailAddress> receivedFor(String raw) {
        String found = ReceivedFor.find(unfold(utf8(capped(raw))));
        MailAddress a = address(found);
        return a == null ? List.of() : List.of(a);
    }

    /** Characters that end a loose address token (as RFC 5322 specials and white space do). */
    static boolean isLooseDelimiter(char c) {
        return isSpace(c) || "<>,;:\"()[]".indexOf(c) >= 0;
    }

    /** Java's {@code \s}: the white space the former patterns meant. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /**
     * Tokens that look like local@domain inside otherwise unparsable text: a run of non-delimiters
     * with an {@code @} that has something on both sides. One pass.
     */
    static List<String> looseAddresses(String value) {
        List<String> out = new ArrayList<>();
        int n = value.length();
        int start = 0;
        while (start < n) {
            while (start < n && isLooseDelimiter(value.charAt(start))) {
                start++;
            }
            int end = start;
            boolean innerAt = false;
            while (end < n && !isLooseDelimiter(value.charAt(end))) {
                if (value.charAt(end) == '@' && end > start) {
                    innerAt |= end + 1 < n && !isLooseDelimiter(value.charAt(end + 1));
                }
                end++;
            }
            if (innerAt) {
                out.add(value.substring(start, end));
            }
            start = end;
        }
        return out;
    }

    /** One address, with a quoted local part unquoted; null when it cannot be a mailbox address. */
    private static MailAddress address(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        int at = t.lastIndexOf('@');
        if (at <= 0) {
            return null;
        }
        String local = t.substring(0, at);
        if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
            local = unquote(local.substring(1, local.length() - 1));
        }
        try {
            return MailAddress.parse(local + "@" + t.substring(at + 1));
        } catch (IllegalArgumentException e) {
            return null; // not a usable mailbox address (MailAddress refuses separators, quotes, controls)
        }
    }

    /** Removes the backslashes of quoted-pairs. */
    private static String unquote(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                c = s.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String capped(String raw) {
        if (raw == null) {
            return "";
        }
        return raw.length() > HEADER_SIZE_LIMIT ? raw.substring(0, HEADER_SIZE_LIMIT) : raw;
    }

    /** Joins folded lines (CRLF or LF followed by blanks) with one space; tabs become spaces. */
    static String unfold(String value) {
        StringBuilder b = new StringBuilder(value.length());
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            int lf = c == '\r' && i + 1 < n && value.charAt(i + 1) == '\n' ? i + 1 : c == '\n' ? i : -1;
            if (lf >= 0 && lf + 1 < n && (value.charAt(lf + 1) == ' ' || value.charAt(lf + 1) == '\t')) {
                int j = lf + 1;
                while (j < n && (value.charAt(j) == ' ' || value.charAt(j) == '\t')) {
                    j++;
                }
                b.append(' ');
                i = j - 1;
            } else {
                b.append(c == '\t' ? ' ' : c);
            }
        }
        return b.toString().trim();
    }

    /**
     * Header lines are read as ISO-8859-1; raw UTF-8 (RFC 6532, e.g. an IDN domain) is turned back
     * into characters when the bytes are valid UTF-8, and left as they are otherwise.
     */
    private static String utf8(String latin1) {
        boolean ascii = true;
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c > 0xff) {
                return latin1;
            }
            ascii &= c < 0x80;
        }
        if (ascii) {
            return latin1;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            return latin1;
        }
    }
}
