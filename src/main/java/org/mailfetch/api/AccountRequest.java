package org.mailfetch.api;

import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.mailfetch.service.AccountChange;

/**
 * An account as the REST API receives it, mapped onto an {@link AccountChange}: the JSON fields of
 * {@link org.mailfetch.service.AccountView} (the names `account show --json` prints) plus
 * {@code password} (write-only), {@code trustCertPem} and {@code maxMessageSize}. Here only the JSON
 * types are checked; the rules are the change's, each broken one a 400 naming its field. Fields
 * left out keep their value (update) or take the defaults (create). Status fields sent back
 * unchanged from a GET are ignored.
 */
final class AccountRequest {

    private static final Set<String> FIELDS = Set.of("name", "enabled", "protocol", "host", "port", "security", "user",
            "password", "trustCertPem", "intervalMinutes", "mimeRecipients", "recipientHeaders", "envelopeHeaders",
            "routeRecipients", "receivedDate", "antispam", "antivirus", "delete", "owner", "maxMessageSize");
    /** Read-only fields of a GET response: accepted and ignored, so a client may send an edited copy back. */
    private static final Set<String> READ_ONLY = Set.of("id", "trustedCertificate", "running", "lastStart", "lastEnd",
            "lastResult", "lastError", "downloaded", "delivered", "deleted", "failed", "bytes", "totalDownloaded",
            "totalBytes", "loginFailures", "backoffUntil", "nextRun");

    private AccountRequest() {}

    static AccountChange change(JsonNode json) {
        Set<String> known = new HashSet<>(FIELDS);
        known.addAll(READ_ONLY);
        RequestBody body = new RequestBody(json).only(known);
        AccountChange c = new AccountChange();
        if (body.has("owner")) {
            c.owner(body.text("owner"));
        }
        if (body.has("name")) {
            c.name(body.text("name"));
        }
        if (body.has("host")) {
            c.host(body.text("host"));
        }
        if (body.has("port")) {
            c.port(body.integer("port"));
        }
        if (body.has("protocol")) {
            c.protocol(body.text("protocol"));
        }
        if (body.has("security")) {
            c.security(body.text("security"));
        }
        if (body.has("user")) {
            c.user(body.text("user"));
        }
        if (json.hasNonNull("password")) {
            c.password(body.text("password"));
        }
        if (body.has("trustCertPem")) {
            c.trustCertPem(body.isCleared("trustCertPem") ? null : body.text("trustCertPem"));
        }
        if (body.has("intervalMinutes")) {
            c.intervalMinutes(body.integer("intervalMinutes"));
        }
        if (body.has("enabled")) {
            c.enabled(body.bool("enabled"));
        }
        if (body.has("mimeRecipients")) {
            c.mimeRecipients(body.bool("mimeRecipients"));
        }
        if (body.has("recipientHeaders")) {
            c.recipientHeaders(body.strings("recipientHeaders"));
        }
        if (body.has("envelopeHeaders")) {
            c.envelopeHeaders(body.strings("envelopeHeaders"));
        }
        if (body.has("routeRecipients")) {
            c.routeRecipients(body.bool("routeRecipients"));
        }
        if (body.has("receivedDate")) {
            c.receivedDate(body.bool("receivedDate"));
        }
        if (body.has("antispam")) {
            c.antispam(body.bool("antispam"));
        }
        if (body.has("antivirus")) {
            c.antivirus(body.bool("antivirus"));
        }
        if (body.has("delete")) {
            c.delete(body.text("delete"));
        }
        if (body.has("maxMessageSize")) {
            JsonNode size = json.get("maxMessageSize");
            c.maxMessageSize(size.isNull() ? null : size.isIntegralNumber() ? size.asText() : body.text("maxMessageSize"));
        }
        return c;
    }
}
