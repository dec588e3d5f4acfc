package org.mailfetch.account;

import java.net.URI;
import java.util.Locale;

/**
 * How an OAuth2 account signs in: the provider ({@code gmail}, {@code microsoft} or
 * {@code issuer:URL} for any provider found by discovery), and what overrides the provider's
 * defaults — the client id (null: {@code mailfetch.oauth2.<provider>.client-id}), the scope (null:
 * the provider's scope for the account's protocol) and the Microsoft tenant (null: {@code common}).
 * The client secret is not here: like a password it is stored encrypted and handed out only to the
 * token requests.
 */
public record OAuth2Options(String provider, String clientId, String scope, String tenant) {

    public static final String GMAIL = "gmail";
    public static final String MICROSOFT = "microsoft";
    public static final String ISSUER_PREFIX = "issuer:";

    public OAuth2Options {
        provider = provider(provider);
        clientId = optional("client id", clientId, 500);
        scope = optional("scope", scope, 2000);
        tenant = optional("tenant", tenant, 200);
        if (tenant != null && !MICROSOFT.equals(provider)) {
            throw new IllegalArgumentException("a tenant is only for the microsoft provider");
        }
        if (tenant != null && !tenant.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("a tenant is a directory id or domain name (letters, digits, . _ -)");
        }
        if (scope != null && !scope.matches("[\\x21\\x23-\\x5b\\x5d-\\x7e]+( [\\x21\\x23-\\x5b\\x5d-\\x7e]+)*")) {
            // RFC 6749 3.3: scope tokens separated by single spaces
            throw new IllegalArgumentException("a scope is one or more scope tokens separated by single spaces");
        }
        if (clientId != null && clientId.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("a client id is printable ASCII without spaces");
        }
    }

    private static final java.util.Set<String> GMAIL_HOSTS = java.util.Set.of("imap.gmail.com", "pop.gmail.com",
            "smtp.gmail.com");
    private static final java.util.Set<String> MICROSOFT_HOSTS = java.util.Set.of("outlook.office365.com",
            "outlook.office.com", "smtp.office365.com", "smtp-mail.outlook.com", "imap-mail.outlook.com",
            "pop-mail.outlook.com");

    /**
     * Whether tokens of this provider may be sent to {@code host}: a gmail or microsoft token opens
     * the whole mailbox, so it goes only to that provider's own mail servers; an issuer's to any.
     */
    public boolean allowsHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return switch (provider) {
            case GMAIL -> GMAIL_HOSTS.contains(h);
            case MICROSOFT -> MICROSOFT_HOSTS.contains(h);
            default -> true;
        };
    }

    /** The issuer URL of an {@code issuer:URL} provider, else null. */
    public URI issuer() {
        return provider.startsWith(ISSUER_PREFIX) ? URI.create(provider.substring(ISSUER_PREFIX.length())) : null;
    }

    /** Whether the provider is one of the presets with its own defaults (gmail, microsoft). */
    public boolean preset() {
        return GMAIL.equals(provider) || MICROSOFT.equals(provider);
    }

    private static String provider(String given) {
        if (given == null || given.isBlank()) {
            throw new IllegalArgumentException("the OAuth2 provider is gmail, microsoft or issuer:URL");
        }
        String p = given.trim();
        String lower = p.toLowerCase(Locale.ROOT);
        if (lower.equals(GMAIL) || lower.equals(MICROSOFT)) {
            return lower;
        }
        if (!lower.startsWith(ISSUER_PREFIX)) {
            throw new IllegalArgumentException("the OAuth2 provider is gmail, microsoft or issuer:URL, got '"
                    + printable(p) + "'");
        }
        String url = p.substring(ISSUER_PREFIX.length());
        checkUrl(url);
        return ISSUER_PREFIX + url;
    }

    /**
     * An issuer (or endpoint) URL: https, or http to a loopback address only (a local test server);
     * no user info or fragment; no spaces, control or format characters.
     */
    public static URI checkUrl(String url) {
        if (url.length() > 2000 || url.chars().anyMatch(c -> c <= 0x20 || c == 0x7f || Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT || Character.isWhitespace(c) || Character.isSpaceChar(c))) {
            // C0/C1 controls, bidi overrides and other format characters could disguise where a link goes
            throw new IllegalArgumentException("unsuitable URL (longer than 2000 characters, or with spaces, control or"
                    + " format characters)");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + printable(url));
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("a URL needs a host and no user name or fragment: " + printable(url));
        }
        if (!scheme.equals("https") && !(scheme.equals("http") && loopback(u.getHost()))) {
            throw new IllegalArgumentException("OAuth2 URLs must be https (plain http only to 127.0.0.1, ::1 or localhost): "
                    + printable(url));
        }
        return u;
    }

    static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("127.0.0.1") || h.equals("[::1]") || h.equals("::1");
    }

    private static String optional(String what, String value, int max) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (v.isEmpty()) {
            return null;
        }
        if (v.length() > max || v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("the " + what + " must be at most " + max + " characters, without control characters");
        }
        return v;
    }

    private static String printable(String s) {
        return org.mailfetch.mail.Printable.escape(s, 80);
    }
}
