package org.mailfetch.admin;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.mail.MailAddress;

/**
 * An account as the REST API receives it: the JSON fields of {@link AccountCommand#describe} (the
 * same names `account show --json` prints) plus {@code password} (write-only) and
 * {@code trustCertPem}. The rules are those of `account add|update` (AccountOptions); each broken
 * rule is a 400 naming its field. Fields left out keep their value (update) or take the CLI's
 * defaults (create). Status fields sent back unchanged from a GET are ignored.
 */
final class AccountRequest {

    private static final Set<String> FIELDS = Set.of("name", "enabled", "protocol", "host", "port", "security", "user",
            "password", "trustCertPem", "intervalMinutes", "mimeRecipients", "recipientHeaders", "envelopeHeaders",
            "routeRecipients", "receivedDate", "antispam", "antivirus", "delete", "owner", "maxMessageSize");
    /** Read-only fields of a GET response: accepted and ignored, so a client may send an edited copy back. */
    private static final Set<String> READ_ONLY = Set.of("id", "trustedCertificate", "running", "lastStart", "lastEnd",
            "lastResult", "lastError", "downloaded", "delivered", "deleted", "failed", "bytes", "totalDownloaded",
            "totalBytes", "loginFailures", "backoffUntil", "nextRun");

    private final JsonNode json;
    private final RequestBody body;

    AccountRequest(JsonNode json) {
        this.json = json;
        Set<String> known = new HashSet<>(FIELDS);
        known.addAll(READ_ONLY);
        this.body = new RequestBody(json).only(known);
    }

    /** Whether the request sets maxMessageSize (bytes, a size like "50MiB", or null for the global default). */
    boolean hasMaxMessageSize() {
        return json.has("maxMessageSize");
    }

    Long maxMessageSize() {
        JsonNode v = json.get("maxMessageSize");
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            long bytes = v.isIntegralNumber() ? v.asLong() : org.mailfetch.config.Settings.parseBytes(v.asText());
            if (bytes >= 1) {
                return bytes;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        throw ApiError.badField("maxMessageSize", "maxMessageSize must be a number of bytes, a size like \"50MiB\" or null");
    }

    /** A new account: owner, name, host, user and password are required; the rest has the CLI's defaults. */
    Account toNewAccount() {
        for (String required : new String[] {"owner", "name", "host", "user", "password"}) {
            if (!json.hasNonNull(required)) {
                throw ApiError.badField(required, required + " is required");
            }
        }
        Security sec = json.hasNonNull("security") ? security() : Security.SSL;
        Account base = new Account(0, "", true, "pop3", "", sec.defaultPort(), sec, "", null, 30, false,
                Account.DEFAULT_RECIPIENT_HEADERS, Account.DEFAULT_ENVELOPE_HEADERS, false, false, false, false,
                DeleteMode.NEVER, "", Instant.now());
        return applyTo(base, true);
    }

    /** The account with every given field changed. */
    Account applyTo(Account a, boolean isNew) {
        if (json.has("protocol")) {
            String p = text("protocol");
            if (!p.equalsIgnoreCase("pop3")) {
                throw ApiError.badField("protocol", p.equalsIgnoreCase("imap") ? "imap is not supported yet"
                        : "protocol must be pop3, got '" + p + "'");
            }
        }
        Security sec = json.has("security") ? security() : a.security();
        int port;
        if (json.has("port")) {
            port = integer("port");
            if (port < 1 || port > 65535) {
                throw ApiError.badField("port", "port must be between 1 and 65535");
            }
        } else {
            port = json.has("security") && (isNew || a.port() == a.security().defaultPort()) ? sec.defaultPort() : a.port();
        }
        int interval = json.has("intervalMinutes") ? integer("intervalMinutes") : a.intervalMinutes();
        if (interval < 1) {
            throw ApiError.badField("intervalMinutes", "intervalMinutes must be at least 1");
        }
        return new Account(a.id(),
                json.has("name") ? nonBlank("name", 200) : a.name(),
                json.has("enabled") ? bool("enabled") : a.enabled(),
                a.protocol(),
                json.has("host") ? host() : a.host(),
                port, sec,
                json.has("user") ? nonBlank("user", 320) : a.userName(),
                json.has("trustCertPem") ? pem() : a.trustCertPem(),
                interval,
                json.has("mimeRecipients") ? bool("mimeRecipients") : a.mimeRecipients(),
                json.has("recipientHeaders") ? headers("recipientHeaders") : a.recipientHeaders(),
                json.has("envelopeHeaders") ? headers("envelopeHeaders") : a.envelopeHeaders(),
                json.has("routeRecipients") ? bool("routeRecipients") : a.routeRecipients(),
                json.has("receivedDate") ? bool("receivedDate") : a.receivedDate(),
                json.has("antispam") ? bool("antispam") : a.antispam(),
                json.has("antivirus") ? bool("antivirus") : a.antivirus(),
                json.has("delete") ? deleteMode() : a.deleteMode(),
                json.has("owner") ? owner() : a.ownerAddress(),
                a.createdAt());
    }

    /** The new password, or null to keep the stored one. Never echoed anywhere. */
    String password() {
        if (!json.has("password") || json.get("password").isNull()) {
            return null;
        }
        JsonNode p = json.get("password");
        if (!p.isTextual() || p.asText().isEmpty()) {
            throw ApiError.badField("password", "password must be a non-empty string");
        }
        return p.asText();
    }

    private String text(String field) {
        return body.text(field);
    }

    private String nonBlank(String field, int max) {
        String s = text(field).trim();
        if (s.isEmpty() || s.length() > max) {
            throw ApiError.badField(field, field + " must be 1 to " + max + " characters");
        }
        return s;
    }

    private String host() {
        return AdminInput.host("host", nonBlank("host", 253));
    }

    private int integer(String field) {
        return body.integer(field);
    }

    private boolean bool(String field) {
        return body.bool(field);
    }

    private Security security() {
        try {
            return Security.parse(text("security"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("security", e.getMessage());
        }
    }

    private DeleteMode deleteMode() {
        try {
            return DeleteMode.parse(text("delete"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("delete", e.getMessage());
        }
    }

    private String owner() {
        try {
            return MailAddress.parse(AdminInput.address("owner", text("owner"))).toString();
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("owner", e.getMessage());
        }
    }

    private String pem() {
        JsonNode n = json.get("trustCertPem");
        if (n.isNull() || (n.isTextual() && n.asText().isBlank())) {
            return null;
        }
        String pem = text("trustCertPem");
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw ApiError.badField("trustCertPem", "trustCertPem holds no PEM certificate");
        }
        return pem;
    }

    /** A JSON array of header names or one comma-separated string. */
    private List<String> headers(String field) {
        return AdminInput.headerNames(field, body.strings(field));
    }
}
