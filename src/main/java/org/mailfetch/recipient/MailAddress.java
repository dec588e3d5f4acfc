package org.mailfetch.recipient;

import java.net.IDN;
import java.util.Locale;

/**
 * A normalised mailbox address: local part lower-cased, domain lower-cased ASCII (IDN in punycode),
 * as the Maildir layout contract requires.
 */
public record MailAddress(String localPart, String domain) {

    public static MailAddress parse(String text) {
        String t = text == null ? "" : text.trim();
        int at = t.lastIndexOf('@');
        if (at <= 0 || at == t.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not a mail address (local@domain)");
        }
        String local = t.substring(0, at).toLowerCase(Locale.ROOT);
        if (local.contains("/") || local.startsWith(".") || local.contains("\0")) {
            throw new IllegalArgumentException("'" + text + "' has a local part that cannot name a mailbox folder");
        }
        return new MailAddress(local, domain(t.substring(at + 1)));
    }

    /** A domain name lower-cased and in ASCII (punycode for IDN), checked to be usable as a folder name. */
    public static String domain(String name) {
        String ascii;
        try {
            ascii = IDN.toASCII(name.trim(), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "' is not a valid domain name: " + e.getMessage());
        }
        if (ascii.isEmpty() || ascii.startsWith(".") || ascii.contains("..") || ascii.contains("/")) {
            throw new IllegalArgumentException("'" + name + "' is not a valid domain name");
        }
        return ascii;
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
