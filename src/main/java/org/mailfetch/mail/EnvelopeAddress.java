package org.mailfetch.mail;

import java.util.Locale;

/**
 * What may go between the angle brackets of {@code MAIL FROM:<...>} and {@code RCPT TO:<...>}.
 * Only printable ASCII without brackets, quotes, commas or spaces (0x21..0x7e minus {@code <>",;}
 * and backslash): SMTPUTF8 is not negotiated, and anything else could end the command early or
 * start another one. Addresses that fail are never quoted or repaired; the caller refuses them
 * (a recipient) or falls back to the null sender {@code <>} (a sender).
 */
public final class EnvelopeAddress {

    /** RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
    public static final int MAX_LENGTH = 256;

    /** The null reverse-path. */
    public static final String NULL_SENDER = "<>";

    private EnvelopeAddress() {}

    /** Whether {@code address} (local@domain, without brackets) may be written into an envelope command. */
    public static boolean isSafe(String address) {
        if (address == null || address.isEmpty() || address.length() > MAX_LENGTH) {
            return false;
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.indexOf('@') != at) {
            return false;
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x21 || c > 0x7e || "<>\",;\\()[]".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The reverse-path for {@code MAIL FROM:}: {@code <address>} when the address is safe, else the
     * null sender. A sender given as {@code <>} or {@code <address>} is unwrapped first.
     */
    public static String reversePath(String sender) {
        if (sender == null) {
            return NULL_SENDER;
        }
        String s = sender;
        if (s.length() >= 2 && s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        return isSafe(s) ? "<" + s + ">" : NULL_SENDER;
    }

    /**
     * Whether the local part asks a relay to route on: {@code user%other.example@relay} (the percent
     * hack) or {@code other.example!user@relay} (a UUCP bang path). Relays that honour them (Postfix
     * does by default for its own domains) would send a routed copy off the route's domain.
     */
    public static boolean hasSourceRoute(String address) {
        int at = address == null ? -1 : address.lastIndexOf('@');
        String local = at < 0 ? String.valueOf(address) : address.substring(0, at);
        return local.indexOf('%') >= 0 || local.indexOf('!') >= 0;
    }

    /** Whether the address's domain is {@code domain} (both already lower-case ASCII, compared exactly). */
    public static boolean inDomain(String address, String domain) {
        int at = address == null ? -1 : address.lastIndexOf('@');
        return at > 0 && domain != null && address.substring(at + 1).toLowerCase(Locale.ROOT).equals(domain.toLowerCase(Locale.ROOT));
    }
}
