package org.mailfetch.service;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.mailfetch.account.ImapOptions;
import org.mailfetch.account.OAuth2Options;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.config.Settings;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.InvalidValue;

/**
 * What an administrator asks of an external account, on any surface: `account add|update`, POST and
 * PUT /api/accounts, the demo. A field not given stays as it is (update) or takes its default (a new
 * account): {@code --protocol pop3}, {@code --security ssl}, the port of protocol and security mode
 * (POP3 995 or 110, IMAP 993 or 143), {@code --interval 30}, {@code --delete never}, enabled, the
 * default header lists, every other option off; an IMAP account fetches INBOX, deletes rather than
 * moves, sets no \Seen and does not IDLE ({@link ImapOptions#DEFAULT}). The IMAP options (folders,
 * moveTo, markSeen, idle) are refused for a POP3 account.
 *
 * <p>Fields carry the names of the REST API and of `account show --json`; the surface says how its
 * user knows them ({@code --interval} on the command line, {@code intervalMinutes} in JSON). Every
 * broken rule is an {@link InvalidValue} naming the field that way: exit 2, or 400 with that field.
 * Surfaces only map their input onto the fields: types (a JSON number, a file to read) are theirs,
 * every rule on the values is here.
 */
public final class AccountChange {

    public static final Security DEFAULT_SECURITY = Security.SSL;
    public static final int DEFAULT_INTERVAL_MINUTES = 30;
    public static final DeleteMode DEFAULT_DELETE = DeleteMode.NEVER;
    public static final String POP3 = "pop3";
    public static final String IMAP = "imap";
    public static final String DEFAULT_PROTOCOL = POP3;
    private final UnaryOperator<String> label;

    private String owner;
    private String name;
    private String host;
    private Integer port;
    private String protocol;
    private String security;
    private String user;
    private String password;
    /** Null: unchanged; empty: remove the trusted certificate. */
    private Optional<String> trustCertPem;
    private Integer intervalMinutes;
    private Boolean enabled;
    private Boolean mimeRecipients;
    private List<String> recipientHeaders;
    private List<String> envelopeHeaders;
    private Boolean routeRecipients;
    private Boolean receivedDate;
    private Boolean antispam;
    private Boolean antivirus;
    private String delete;
    /** Null: unchanged; empty: back to mailfetch.fetch.max-message-size. */
    private Optional<String> maxMessageSize;
    private List<String> folders;
    /** Null: unchanged; empty: delete (or leave) messages instead of moving them. */
    private Optional<String> moveTo;
    private Boolean markSeen;
    private Boolean idle;
    private String oauth2;
    private String oauth2ClientId;
    private String oauth2ClientSecret;
    private String oauth2Scope;
    private String oauth2Tenant;

    /** Fields named as the REST API names them. */
    public AccountChange() {
        this(UnaryOperator.identity());
    }

    /** @param label how the surface names a field to its user, e.g. intervalMinutes → --interval */
    public AccountChange(UnaryOperator<String> label) {
        this.label = label;
    }

    public AccountChange owner(String address) {
        this.owner = address;
        return this;
    }

    public AccountChange name(String name) {
        this.name = name;
        return this;
    }

    public AccountChange host(String host) {
        this.host = host;
        return this;
    }

    public AccountChange port(Integer port) {
        this.port = port;
        return this;
    }

    public AccountChange protocol(String protocol) {
        this.protocol = protocol;
        return this;
    }

    public AccountChange security(String mode) {
        this.security = mode;
        return this;
    }

    public AccountChange user(String user) {
        this.user = user;
        return this;
    }

    /** The POP3 password; null keeps the stored one. */
    public AccountChange password(String password) {
        this.password = password;
        return this;
    }

    /** PEM text of a certificate to trust; null removes the one trusted now. */
    public AccountChange trustCertPem(String pem) {
        this.trustCertPem = Optional.ofNullable(pem);
        return this;
    }

    public AccountChange intervalMinutes(Integer minutes) {
        this.intervalMinutes = minutes;
        return this;
    }

    public AccountChange enabled(Boolean enabled) {
        this.enabled = enabled;
        return this;
    }

    public AccountChange mimeRecipients(Boolean on) {
        this.mimeRecipients = on;
        return this;
    }

    public AccountChange recipientHeaders(List<String> names) {
        this.recipientHeaders = names;
        return this;
    }

    public AccountChange envelopeHeaders(List<String> names) {
        this.envelopeHeaders = names;
        return this;
    }

    public AccountChange routeRecipients(Boolean on) {
        this.routeRecipients = on;
        return this;
    }

    public AccountChange receivedDate(Boolean on) {
        this.receivedDate = on;
        return this;
    }

    public AccountChange antispam(Boolean on) {
        this.antispam = on;
        return this;
    }

    public AccountChange antivirus(Boolean on) {
        this.antivirus = on;
        return this;
    }

    /** never, immediately or after-days:N. */
    public AccountChange delete(String mode) {
        this.delete = mode;
        return this;
    }

    /** A number of bytes or a size like 50MiB; null goes back to mailfetch.fetch.max-message-size. */
    public AccountChange maxMessageSize(String size) {
        this.maxMessageSize = Optional.ofNullable(size);
        return this;
    }

    /** IMAP: the folders to fetch, in order; replaces the list the account had. */
    public AccountChange folders(List<String> names) {
        this.folders = names;
        return this;
    }

    /** IMAP: the folder that takes delivered messages instead of deleting them; null deletes them again. */
    public AccountChange moveTo(String folder) {
        this.moveTo = Optional.ofNullable(folder);
        return this;
    }

    /** IMAP: \Seen on the server for delivered messages that stay there. */
    public AccountChange markSeen(Boolean on) {
        this.markSeen = on;
        return this;
    }

    /** IMAP: pushed by IDLE besides the interval. */
    public AccountChange idle(Boolean on) {
        this.idle = on;
        return this;
    }

    /**
     * OAuth2 instead of a password: gmail, microsoft or issuer:URL. The account then signs in with
     * {@code account authorize}; giving a password later switches it back (and drops its tokens).
     */
    public AccountChange oauth2(String provider) {
        this.oauth2 = provider;
        return this;
    }

    /** OAuth2: the client id, overriding mailfetch.oauth2.&lt;provider&gt;.client-id; empty goes back to it. */
    public AccountChange oauth2ClientId(String clientId) {
        this.oauth2ClientId = clientId;
        return this;
    }

    /** OAuth2: the client secret (stored encrypted, never shown); empty removes the account's own. */
    public AccountChange oauth2ClientSecret(String secret) {
        this.oauth2ClientSecret = secret;
        return this;
    }

    /** OAuth2: the scopes, space-separated, overriding the provider's; empty goes back to them. */
    public AccountChange oauth2Scope(String scope) {
        this.oauth2Scope = scope;
        return this;
    }

    /** OAuth2, microsoft: the tenant (directory id or domain), default common; empty goes back to it. */
    public AccountChange oauth2Tenant(String tenant) {
        this.oauth2Tenant = tenant;
        return this;
    }

    /** The port an account of the protocol uses by default: POP3 995 (ssl) or 110, IMAP 993 (ssl) or 143. */
    public static int defaultPort(String protocol, Security security) {
        if (IMAP.equals(protocol)) {
            return security == Security.SSL ? 993 : 143;
        }
        return security.defaultPort();
    }

    /** How the surface names the field to its user. */
    public String label(String field) {
        return label.apply(field);
    }

    /**
     * A new account: owner, name, host, user and a password (or an OAuth2 provider) are required; the
     * rest takes its default. A gmail or microsoft account may leave the host to its provider.
     */
    public Account toNewAccount() {
        require("owner", owner);
        require("name", name);
        if (host == null && oauth2 != null && presetHost(oauth2, protocol == null ? DEFAULT_PROTOCOL : protocol()) != null) {
            host = presetHost(oauth2, protocol == null ? DEFAULT_PROTOCOL : protocol());
        }
        require("host", host);
        require("user", user);
        if (oauth2 == null) {
            require("password", password);
        }
        notBoth();
        Security sec = security == null ? DEFAULT_SECURITY : parse("security", security, Security::parse);
        Account defaults = new Account(0, "", true, DEFAULT_PROTOCOL, "", defaultPort(DEFAULT_PROTOCOL, sec), sec, "", null,
                DEFAULT_INTERVAL_MINUTES, false, Account.DEFAULT_RECIPIENT_HEADERS, Account.DEFAULT_ENVELOPE_HEADERS,
                false, false, false, false, DEFAULT_DELETE, "", Instant.now());
        return apply(defaults, true);
    }

    /** The account with every given field changed. */
    public Account applyTo(Account current) {
        notBoth();
        return apply(current, false);
    }

    private void notBoth() {
        if (oauth2 != null && password != null) {
            throw invalid("oauth2", "an account signs in with a password or with " + label("oauth2") + ", not both");
        }
    }

    /** The mail server of a provider preset for the protocol (gmail, microsoft), or null. */
    private static String presetHost(String provider, String protocol) {
        String p = provider.trim().toLowerCase(java.util.Locale.ROOT);
        boolean imap = IMAP.equals(protocol);
        return switch (p) {
            case OAuth2Options.GMAIL -> imap ? "imap.gmail.com" : "pop.gmail.com";
            case OAuth2Options.MICROSOFT -> "outlook.office365.com";
            default -> null;
        };
    }

    /**
     * How the account {@code changed} signs in with OAuth2 after this change: null when it uses a
     * password (a new password switches an OAuth2 account back), else {@code current} (null for a
     * password account) with the given fields changed. A new provider starts from its own defaults;
     * an empty override goes back to the provider's. OAuth2 fields for a password account are refused.
     */
    public OAuth2Options oauth2Options(OAuth2Options current) {
        boolean overrides = oauth2ClientId != null || oauth2ClientSecret != null || oauth2Scope != null
                || oauth2Tenant != null;
        if (password != null || (oauth2 == null && current == null)) {
            if (overrides) {
                String field = oauth2ClientId != null ? "oauth2ClientId" : oauth2ClientSecret != null ? "oauth2ClientSecret"
                        : oauth2Scope != null ? "oauth2Scope" : "oauth2Tenant";
                throw invalid(field, label(field) + " is only for OAuth2 accounts (" + label("oauth2") + ")");
            }
            return null;
        }
        OAuth2Options base = current;
        String provider = current == null ? null : current.provider();
        if (oauth2 != null) {
            provider = AdminInput.text(label("oauth2"), oauth2);
            if (current != null && !sameProvider(current.provider(), provider)) {
                base = null; // another provider: the old one's client and scope mean nothing there
            }
        }
        try {
            return new OAuth2Options(provider,
                    override(oauth2ClientId, base == null ? null : base.clientId(), "oauth2ClientId"),
                    override(oauth2Scope, base == null ? null : base.scope(), "oauth2Scope"),
                    override(oauth2Tenant, base == null ? null : base.tenant(), "oauth2Tenant"));
        } catch (IllegalArgumentException e) {
            String field = oauth2 != null && e.getMessage().contains("provider") ? "oauth2"
                    : e.getMessage().contains("tenant") ? "oauth2Tenant" : e.getMessage().contains("scope")
                    ? "oauth2Scope" : e.getMessage().contains("client") ? "oauth2ClientId" : "oauth2";
            throw invalid(field, label(field) + ": " + e.getMessage());
        }
    }

    private static boolean sameProvider(String a, String b) {
        try {
            return new OAuth2Options(a, null, null, null).provider().equals(new OAuth2Options(b, null, null, null).provider());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private String override(String given, String current, String field) {
        if (given == null) {
            return current;
        }
        String v = AdminInput.text(label(field), given).trim();
        return v.isEmpty() ? null : v;
    }

    /** The client secret change: null keeps the stored one, empty removes it. Never echoed anywhere. */
    public String oauth2ClientSecret() {
        if (oauth2ClientSecret != null && oauth2ClientSecret.length() > 2000) {
            throw invalid("oauth2ClientSecret", label("oauth2ClientSecret") + " must be at most 2000 characters");
        }
        return oauth2ClientSecret == null ? null : AdminInput.text(label("oauth2ClientSecret"), oauth2ClientSecret);
    }

    /**
     * Refuses a gmail or microsoft account whose host is not that provider's mail server: its token
     * opens the whole mailbox, and the owner's consent screen never showed another server.
     */
    public void requireProviderHost(Account changed, OAuth2Options oauth2) {
        if (oauth2 != null && !oauth2.allowsHost(changed.host())) {
            throw invalid("host", label("host") + " " + changed.host() + " is not a mail server of " + oauth2.provider()
                    + ": its tokens go only there (use issuer:URL for another provider)");
        }
    }

    private Account apply(Account a, boolean isNew) {
        String proto = protocol == null ? a.protocol() : protocol();
        Security sec = security == null ? a.security() : parse("security", security, Security::parse);
        int newPort;
        if (port != null) {
            newPort = port;
            if (newPort < 1 || newPort > 65535) {
                throw invalid("port", label("port") + " must be between 1 and 65535");
            }
        } else {
            // a new protocol or security mode brings its port, unless the port had been set apart from the old one's
            boolean moved = security != null || protocol != null;
            newPort = moved && (isNew || a.port() == defaultPort(a.protocol(), a.security())) ? defaultPort(proto, sec)
                    : a.port();
        }
        int minutes = intervalMinutes == null ? a.intervalMinutes() : intervalMinutes;
        if (minutes < 1) {
            throw invalid("intervalMinutes", label("intervalMinutes") + " must be at least 1 minute");
        }
        return new Account(a.id(),
                name == null ? a.name() : nonBlank("name", name, 200),
                enabled == null ? a.enabled() : enabled,
                proto,
                host == null ? a.host() : AdminInput.host(label("host"), nonBlank("host", host, 253)),
                newPort, sec,
                user == null ? a.userName() : nonBlank("user", user, 320),
                trustCertPem == null ? a.trustCertPem() : trustCertPem.map(this::pem).orElse(null),
                minutes,
                or(mimeRecipients, a.mimeRecipients()),
                recipientHeaders == null ? a.recipientHeaders()
                        : AdminInput.headerNames(label("recipientHeaders"), recipientHeaders),
                envelopeHeaders == null ? a.envelopeHeaders()
                        : AdminInput.headerNames(label("envelopeHeaders"), envelopeHeaders),
                or(routeRecipients, a.routeRecipients()),
                or(receivedDate, a.receivedDate()),
                or(antispam, a.antispam()),
                or(antivirus, a.antivirus()),
                delete == null ? a.deleteMode() : parse("delete", delete, DeleteMode::parse),
                owner == null ? a.ownerAddress() : parse("owner", AdminInput.address(label("owner"), owner),
                        text -> MailAddress.parse(text).toString()),
                a.createdAt());
    }

    /** The new password, or null to keep the stored one. Never echoed anywhere. */
    public String password() {
        if (password != null && password.isEmpty()) {
            throw invalid("password", label("password") + " must not be empty");
        }
        return password == null ? null : AdminInput.text(label("password"), password);
    }

    /** Whether the change sets the maximum message size; then {@link #maxMessageSizeBytes} is the new value. */
    public boolean changesMaxMessageSize() {
        return maxMessageSize != null;
    }

    /** The account's own maximum message size in bytes, or null for mailfetch.fetch.max-message-size. */
    public Long maxMessageSizeBytes() {
        if (maxMessageSize == null || maxMessageSize.isEmpty()) {
            return null;
        }
        String size = maxMessageSize.get();
        try {
            long v = Settings.parseBytes(size);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        throw invalid("maxMessageSize", label("maxMessageSize")
                + " must be a number of bytes or a size like 50MiB, got '" + size + "'");
    }

    /**
     * The IMAP options of {@code changed}, the account this change made: null for a POP3 account
     * (whose stored options, if it had any as an IMAP account, are dropped), else {@code current}
     * with the given fields changed. Every IMAP option given for a POP3 account is refused, naming it.
     *
     * @param current the account's options before the change; {@link ImapOptions#DEFAULT} for a new
     *                account or one that was POP3
     */
    public ImapOptions imapOptions(Account changed, ImapOptions current) {
        if (!IMAP.equals(changed.protocol())) {
            for (String field : List.of("folders", "moveTo", "markSeen", "idle")) {
                if (gives(field)) {
                    throw invalid(field, label(field) + " is only for IMAP accounts (" + label("protocol") + " imap)");
                }
            }
            return null;
        }
        List<String> names = current.folders();
        if (folders != null) {
            names = folders.stream().map(f -> AdminInput.text(label("folders"), f)).toList();
            try {
                new ImapOptions(names, null, false, false);
            } catch (IllegalArgumentException e) {
                throw invalid("folders", label("folders") + ": " + e.getMessage());
            }
        }
        String target = moveTo == null ? current.moveTo() : moveTo.map(m -> AdminInput.text(label("moveTo"), m)).orElse(null);
        ImapOptions options;
        try {
            options = new ImapOptions(names, target, or(markSeen, current.markSeen()), or(idle, current.idle()));
        } catch (IllegalArgumentException e) {
            String field = moveTo != null ? "moveTo" : "folders";
            throw invalid(field, label(field) + ": " + e.getMessage());
        }
        if (options.moveTo() != null && DeleteMode.NEVER.equals(changed.deleteMode())) {
            // moving is how a due message leaves the folder: under "never" nothing is ever due
            String field = moveTo != null && moveTo.isPresent() ? "moveTo" : "delete";
            throw invalid(field, label("moveTo") + " moves messages when they are due: give " + label("delete")
                    + " immediately or after-days:N with it (" + label("delete") + " never leaves the server untouched)");
        }
        return options;
    }

    /**
     * Whether the change sets an IMAP option. Switching one off (no move-to, no \Seen, no IDLE) asks
     * for what a POP3 account has anyway, so an edited copy of a view or a form may carry it.
     */
    private boolean gives(String field) {
        return switch (field) {
            case "folders" -> folders != null;
            case "moveTo" -> moveTo != null && moveTo.isPresent();
            case "markSeen" -> markSeen != null && markSeen;
            case "idle" -> idle != null && idle;
            default -> false;
        };
    }

    private String protocol() {
        String p = AdminInput.text(label("protocol"), protocol).trim().toLowerCase(java.util.Locale.ROOT);
        if (!p.equals(POP3) && !p.equals(IMAP)) {
            throw invalid("protocol", label("protocol") + " must be pop3 or imap, got '" + protocol + "'");
        }
        return p;
    }

    private void require(String field, String value) {
        if (value == null) {
            throw invalid(field, label(field) + " is required");
        }
    }

    private String nonBlank(String field, String value, int max) {
        String s = AdminInput.text(label(field), value).trim();
        if (s.isEmpty() || s.length() > max) {
            throw invalid(field, label(field) + " must be 1 to " + max + " characters");
        }
        return s;
    }

    private String pem(String text) {
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            throw invalid("trustCertPem", label("trustCertPem") + " holds no PEM certificate");
        }
        return text;
    }

    /** A parser of the account package whose refusal then names the field. */
    private <T> T parse(String field, String value, Function<String, T> parser) {
        try {
            return parser.apply(AdminInput.text(label(field), value));
        } catch (InvalidValue e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw invalid(field, e.getMessage());
        }
    }

    private InvalidValue invalid(String field, String message) {
        return new InvalidValue(label(field), message);
    }

    private static boolean or(Boolean given, boolean current) {
        return given == null ? current : given;
    }
}
