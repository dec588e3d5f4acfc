package org.mailfetch.mail;

import java.net.IDN;
import java.util.Locale;


/**
 * A normalised mailbox address: local part lower-cased, domain lower-cased ASCII (IDN in punycode),
 * as the Maildir layout contract requires.
 *
 * <p>The local part never holds a character that would need quoting in an SMTP/LMTP envelope or
 * that separates addresses anywhere ({@code , ; < > " @ \ ( ) [ ]}, whitespace, control characters):
 * such an address is refused rather than quoted, so that no later step (the comma-joined outbox of
 * old, a {@code RCPT TO:<...>} line) can read one address as several. Non-ASCII local parts
 * (RFC 6531) are accepted for local Maildir delivery; {@link #envelopeSafe} says whether the address
 * may go into an envelope without SMTPUTF8.
 */
public record MailAddress(String localPart, String domain) {

    /** RFC 5321 4.5.3.1.1: local parts are at most 64 octets; a little slack for sloppy senders. */
    static final int MAX_LOCAL_PART = 128;

    public MailAddress {
        String problem = localPartProblem(localPart);
        if (problem != null) {
            throw new IllegalArgumentException("'" + Printable.of(localPart) + "' is not a usable local part: " + problem);
        }
    }

    public static MailAddress parse(String text) {
        String t = text == null ? "" : text.trim();
        int at = t.lastIndexOf('@');
        if (at <= 0 || at == t.length() - 1) {
            throw new IllegalArgumentException("'" + Printable.of(text) + "' is not a mail address (local@domain)");
        }
        return new MailAddress(t.substring(0, at).toLowerCase(Locale.ROOT), domain(t.substring(at + 1)));
    }

    /** Why {@code local} cannot be a local part, or null when it can. */
    private static String localPartProblem(String local) {
        if (local == null || local.isEmpty()) {
            return "empty";
        }
        if (local.length() > MAX_LOCAL_PART) {
            return "longer than " + MAX_LOCAL_PART + " characters";
        }
        if (local.startsWith(".") || local.contains("/")) {
            return "it cannot name a mailbox folder";
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || Character.isWhitespace(c)
                    || Character.isSpaceChar(c) || ",;<>\"@\\()[]".indexOf(c) >= 0) {
                return "it holds a separator, quote, space or control character";
            }
        }
        return null;
    }

    /** A domain name lower-cased and in ASCII (punycode for IDN), checked to be usable as a folder name. */
    public static String domain(String name) {
        String ascii;
        try {
            ascii = IDN.toASCII(name.trim(), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + Printable.of(name) + "' is not a valid domain name: " + Printable.of(e.getMessage()));
        }
        if (ascii.isEmpty() || ascii.startsWith(".") || ascii.contains("..") || ascii.contains("/")) {
            throw new IllegalArgumentException("'" + Printable.of(name) + "' is not a valid domain name");
        }
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                throw new IllegalArgumentException("'" + Printable.of(name) + "' is not a valid domain name");
            }
        }
        return ascii;
    }

    /**
     * Whether the address may be written into an SMTP/LMTP envelope as it is: printable ASCII only
     * (SMTPUTF8 is not negotiated). The local part's separators are already excluded by construction.
     */
    public boolean envelopeSafe() {
        return EnvelopeAddress.isSafe(toString());
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
