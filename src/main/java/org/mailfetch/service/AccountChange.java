package org.mailfetch.service;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.config.Settings;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.InvalidValue;

/**
 * What an administrator asks of an external account, on any surface: `account add|update`, POST and
 * PUT /api/accounts, the demo. A field not given stays as it is (update) or takes its default (a new
 * account): {@code --security ssl}, the port of the security mode, {@code --interval 30},
 * {@code --delete never}, enabled, the default header lists, every other option off.
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

    /** How the surface names the field to its user. */
    public String label(String field) {
        return label.apply(field);
    }

    /** A new account: owner, name, host, user and password are required; the rest takes its default. */
    public Account toNewAccount() {
        require("owner", owner);
        require("name", name);
        require("host", host);
        require("user", user);
        require("password", password);
        Security sec = security == null ? DEFAULT_SECURITY : parse("security", security, Security::parse);
        Account defaults = new Account(0, "", true, "pop3", "", sec.defaultPort(), sec, "", null,
                DEFAULT_INTERVAL_MINUTES, false, Account.DEFAULT_RECIPIENT_HEADERS, Account.DEFAULT_ENVELOPE_HEADERS,
                false, false, false, false, DEFAULT_DELETE, "", Instant.now());
        return apply(defaults, true);
    }

    /** The account with every given field changed. */
    public Account applyTo(Account current) {
        return apply(current, false);
    }

    private Account apply(Account a, boolean isNew) {
        checkProtocol();
        Security sec = security == null ? a.security() : parse("security", security, Security::parse);
        int newPort;
        if (port != null) {
            newPort = port;
            if (newPort < 1 || newPort > 65535) {
                throw invalid("port", label("port") + " must be between 1 and 65535");
            }
        } else {
            // a new security mode brings its port, unless the port had been set apart from the old mode's
            newPort = security != null && (isNew || a.port() == a.security().defaultPort()) ? sec.defaultPort() : a.port();
        }
        int minutes = intervalMinutes == null ? a.intervalMinutes() : intervalMinutes;
        if (minutes < 1) {
            throw invalid("intervalMinutes", label("intervalMinutes") + " must be at least 1 minute");
        }
        return new Account(a.id(),
                name == null ? a.name() : nonBlank("name", name, 200),
                enabled == null ? a.enabled() : enabled,
                a.protocol(),
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

    private void checkProtocol() {
        if (protocol != null && !protocol.equalsIgnoreCase("pop3")) {
            throw invalid("protocol", protocol.equalsIgnoreCase("imap") ? label("protocol") + " imap: not supported yet"
                    : label("protocol") + " must be pop3, got '" + protocol + "'");
        }
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
