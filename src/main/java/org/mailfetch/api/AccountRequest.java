package org.mailfetch.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import org.mailfetch.service.AccountChange;

/**
 * An account as the REST API receives it, mapped onto an {@link AccountChange}: the JSON fields of
 * {@link org.mailfetch.service.AccountView} (the names `account show --json` prints) plus
 * {@code password} (write-only), {@code trustCertPem} and {@code maxMessageSize}; for an IMAP account
 * {@code folders} (an array of names, replacing the list), {@code moveTo} (null: delete instead),
 * {@code markSeen} and {@code idle}; for OAuth2 {@code oauth2} (the provider), {@code oauth2ClientId},
 * {@code oauth2ClientSecret} (write-only), {@code oauth2Scope} and {@code oauth2Tenant}. Here only the JSON
 * types are checked; the rules are the change's, each broken one a 400 naming its field. Fields
 * left out keep their value (update) or take the defaults (create). Status fields sent back
 * unchanged from a GET are ignored.
 */
final class AccountRequest {

    private static final Set<String> FIELDS = Set.of("name", "enabled", "protocol", "host", "port", "security", "user",
            "password", "trustCertPem", "intervalMinutes", "mimeRecipients", "recipientHeaders", "envelopeHeaders",
            "routeRecipients", "receivedDate", "antispam", "antivirus", "delete", "owner", "maxMessageSize",
            "folders", "moveTo", "markSeen", "idle", "oauth2", "oauth2ClientId", "oauth2ClientSecret", "oauth2Scope",
            "oauth2Tenant");
    /** Read-only fields of a GET response: accepted and ignored, so a client may send an edited copy back. */
    private static final Set<String> READ_ONLY = Set.of("id", "trustedCertificate", "running", "lastStart", "lastEnd", "lastNode",
            "lastResult", "lastError", "downloaded", "delivered", "deleted", "failed", "bytes", "totalDownloaded",
            "totalBytes", "loginFailures", "backoffUntil", "nextRun", "idleLive", "auth");

    private AccountRequest() {}

    static AccountChange change(JsonNode json) {
        Set<String> known = new HashSet<>(FIELDS);
        known.addAll(READ_ONLY);
        RequestBody body = new RequestBody(json).only(known);
        AccountChange c = new AccountChange();
        text(body, "owner", c::owner);
        text(body, "name", c::name);
        text(body, "host", c::host);
        integer(body, "port", c::port);
        text(body, "protocol", c::protocol);
        text(body, "security", c::security);
        text(body, "user", c::user);
        if (json.hasNonNull("password")) {
            c.password(body.text("password"));
        }
        if (body.has("trustCertPem")) {
            c.trustCertPem(body.isCleared("trustCertPem") ? null : body.text("trustCertPem"));
        }
        integer(body, "intervalMinutes", c::intervalMinutes);
        bool(body, "enabled", c::enabled);
        bool(body, "mimeRecipients", c::mimeRecipients);
        if (body.has("recipientHeaders")) {
            c.recipientHeaders(body.strings("recipientHeaders"));
        }
        if (body.has("envelopeHeaders")) {
            c.envelopeHeaders(body.strings("envelopeHeaders"));
        }
        bool(body, "routeRecipients", c::routeRecipients);
        bool(body, "receivedDate", c::receivedDate);
        bool(body, "antispam", c::antispam);
        bool(body, "antivirus", c::antivirus);
        text(body, "delete", c::delete);
        if (body.has("maxMessageSize")) {
            JsonNode size = json.get("maxMessageSize");
            c.maxMessageSize(size.isNull() ? null : size.isIntegralNumber() ? size.asText() : body.text("maxMessageSize"));
        }
        if (body.has("folders")) {
            c.folders(folders(json.get("folders")));
        }
        if (body.has("moveTo")) {
            c.moveTo(body.isCleared("moveTo") ? null : body.text("moveTo"));
        }
        bool(body, "markSeen", c::markSeen);
        bool(body, "idle", c::idle);
        oauth2(json, body, c);
        return c;
    }

    /**
     * OAuth2: {@code oauth2} as text is the provider (switching a password account over); as the
     * object a GET shows (or null) it is read-only and ignored, so an edited copy may be sent back.
     * The other fields: null or "" goes back to the provider's default (the secret: removes the
     * account's own); the secret is write-only.
     */
    private static void oauth2(JsonNode json, RequestBody body, AccountChange c) {
        JsonNode provider = json.get("oauth2");
        if (provider != null && !provider.isObject() && !provider.isNull()) {
            c.oauth2(body.text("oauth2"));
        }
        cleared(body, "oauth2ClientId", c::oauth2ClientId);
        cleared(body, "oauth2ClientSecret", c::oauth2ClientSecret);
        cleared(body, "oauth2Scope", c::oauth2Scope);
        cleared(body, "oauth2Tenant", c::oauth2Tenant);
    }

    /** A text field where null or "" asks for the default: given to the change as "". */
    private static void cleared(RequestBody body, String field, Consumer<String> set) {
        if (body.has(field)) {
            set.accept(body.isCleared(field) ? "" : body.text(field));
        }
    }

    /** A JSON array of folder names, each kept as given (a name may hold commas and spaces). */
    private static List<String> folders(JsonNode n) {
        if (n == null || !n.isArray()) {
            throw ApiError.badField("folders", "folders must be an array of folder names");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw ApiError.badField("folders", "folders must be an array of folder names");
            }
            names.add(e.asText());
        }
        return names;
    }

    private static void text(RequestBody body, String field, Consumer<String> set) {
        if (body.has(field)) {
            set.accept(body.text(field));
        }
    }

    private static void integer(RequestBody body, String field, Consumer<Integer> set) {
        if (body.has(field)) {
            set.accept(body.integer(field));
        }
    }

    private static void bool(RequestBody body, String field, Consumer<Boolean> set) {
        if (body.has(field)) {
            set.accept(body.bool(field));
        }
    }
}
