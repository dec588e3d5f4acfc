package org.mailfetch.service;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.mailfetch.mail.Printable;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.InvalidValue;

/**
 * The rules every piece of administrator input obeys, on both surfaces: the CLI names the option
 * ({@code --user}), the REST API the JSON field ({@code user}). What breaks a rule is an
 * {@link InvalidValue} naming it: exit 2 on the command line, 400 with that field over REST.
 * Admin text ends up in POP3, SMTP and LMTP command lines and in log lines, so no control
 * character (CR, LF, NUL, ESC, ...) gets in anywhere.
 */
public final class AdminInput {

    /** A DNS label: letters, digits, hyphen (not at either end), underscore (seen in real host names). */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    /** A header field name (RFC 5322: printable ASCII but colon). */
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]+");

    private AdminInput() {}

    /**
     * How a surface names the fields of a service's input, e.g. {@code names("address", "ALIAS",
     * "targets", "TARGET")} for a command's parameters; any other field keeps its own name.
     */
    public static UnaryOperator<String> names(String... fieldThenName) {
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i + 1 < fieldThenName.length; i += 2) {
            names.put(fieldThenName[i], fieldThenName[i + 1]);
        }
        return field -> names.getOrDefault(field, field);
    }

    /** The first control character ([\x00-\x1f\x7f]) in the text, or -1. */
    public static int controlAt(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return i;
            }
        }
        return -1;
    }

    /** The text unchanged, if it holds no control character. */
    public static String text(String field, String value) {
        int at = value == null ? -1 : controlAt(value);
        if (at >= 0) {
            throw new InvalidValue(field, String.format("%s must not contain control characters (U+%04X at position %d)",
                    field, (int) value.charAt(at), at));
        }
        return value;
    }

    /**
     * A host name (letters, digits, hyphens in dot-separated labels), an IPv4 address, or an IPv6
     * address with or without brackets; trimmed. Nothing else can be a server to connect to.
     */
    public static String host(String field, String value) {
        String h = text(field, value == null ? "" : value).trim();
        if (!isHost(h)) {
            throw new InvalidValue(field, "'" + h + "' is not a host name or address");
        }
        return h;
    }

    public static boolean isHost(String h) {
        if (h.isEmpty() || h.length() > 255) {
            return false;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            return isIpv6(h.substring(1, h.length() - 1));
        }
        if (h.indexOf(':') >= 0) {
            return isIpv6(h);
        }
        String name = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6(String literal) {
        if (literal.indexOf(':') < 0 || literal.length() > 45 || !IPV6.matcher(literal).matches()) {
            return false;
        }
        try {
            // a literal with ':' is parsed, never looked up in DNS
            return InetAddress.getByName(literal) != null;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The value, checked for control characters, through a parser whose refusal then names {@code field}. */
    private static <T> T parsed(String field, String value, java.util.function.Function<String, T> parser) {
        String checked = text(field, value);
        try {
            return parser.apply(checked);
        } catch (InvalidValue e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidValue(field, e.getMessage());
        }
    }

    /** A domain name as the directory stores it (lower case, punycode), which must also be host syntax. */
    public static String domain(String field, String value) {
        String ascii = parsed(field, value, MailAddress::domain);
        if (!isHost(ascii) || ascii.indexOf(':') >= 0 || ascii.startsWith("[")) {
            throw new InvalidValue(field, "'" + value.trim() + "' is not a valid domain name");
        }
        return ascii;
    }

    /** A mail address whose domain is a valid domain name; returned as given (the store normalises it). */
    public static String address(String field, String value) {
        domain(field, parsed(field, value, MailAddress::parse).domain());
        return value;
    }

    /** An LMTP target, HOST:PORT (host syntax checked) or unix:/PATH. */
    public static LmtpTarget lmtp(String field, String value) {
        LmtpTarget target = parsed(field, value, LmtpTarget::parse);
        if (!target.isUnixSocket() && !isHost(target.host())) {
            throw new InvalidValue(field, "'" + target.host() + "' is not a host name or address");
        }
        return target;
    }

    /** Header field names, each checked (trimmed, blanks dropped). */
    public static List<String> headerNames(String field, List<String> names) {
        List<String> clean = names.stream().map(String::trim).filter(h -> !h.isEmpty()).toList();
        for (String h : clean) {
            if (!HEADER_NAME.matcher(h).matches()) {
                throw new InvalidValue(field, "'" + Printable.of(h) + "' is not a header name");
            }
        }
        return clean;
    }
}
