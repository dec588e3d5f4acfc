package org.mailfetch.recipient;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/**
 * Mail addresses read leniently from header values: address lists with RFC 2047 display names,
 * group syntax ({@code friends: a@x, b@y;}, {@code undisclosed-recipients:;}), quoted local parts,
 * IDN domains in UTF-8 or punycode, and the {@code for <addr>} clause of Received headers. Garbage
 * yields no address and never an error: a bad header must not stop a message.
 */
final class HeaderAddresses {

    /** Something that looks like local@domain inside otherwise unparsable text. */
    private static final Pattern LOOSE = Pattern.compile("[^\\s<>,;:\"()\\[\\]]+@[^\\s<>,;:\"()\\[\\]]+");
    /** "... for <bob@example.com>; date" or "for bob@example.com;" in a Received header. */
    private static final Pattern RECEIVED_FOR = Pattern.compile("(?i)\\bfor\\s+<?\\s*([^\\s<>;]+@[^\\s<>;]+?)\\s*>?\\s*(?:;|$)");

    private HeaderAddresses() {}

    /** The addresses of an address-list header (To, Cc, Delivered-To, X-RCPT-TO, ...). */
    static List<MailAddress> parse(String raw) {
        String value = unfold(utf8(raw));
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
            Matcher m = LOOSE.matcher(value);
            while (m.find()) {
                found.add(m.group());
            }
        }
        List<MailAddress> out = new ArrayList<>();
        for (String text : found) {
            MailAddress a = address(text);
            if (a != null && !out.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** The address of a Received header's {@code for} clause, if it has one. */
    static List<MailAddress> receivedFor(String raw) {
        Matcher m = RECEIVED_FOR.matcher(unfold(utf8(raw)));
        if (m.find()) {
            MailAddress a = address(m.group(1));
            if (a != null) {
                return List.of(a);
            }
        }
        return List.of();
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
            local = local.substring(1, local.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        if (local.isBlank() || local.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return null;
        }
        try {
            return MailAddress.parse(local + "@" + t.substring(at + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String unfold(String value) {
        return value.replaceAll("\\r?\\n[ \\t]+", " ").replace('\t', ' ').trim();
    }

    /**
     * Header lines are read as ISO-8859-1; raw UTF-8 (RFC 6532, e.g. an IDN domain) is turned back
     * into characters when the bytes are valid UTF-8, and left as they are otherwise.
     */
    private static String utf8(String latin1) {
        if (latin1 == null) {
            return "";
        }
        if (latin1.chars().allMatch(c -> c < 0x80)) {
            return latin1;
        }
        if (latin1.chars().anyMatch(c -> c > 0xff)) {
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
