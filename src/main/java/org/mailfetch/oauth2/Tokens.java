package org.mailfetch.oauth2;

import java.io.IOException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a token endpoint gave: an access token, how long it lives, and a refresh token (null when the
 * answer carries none: a refresh answer usually keeps the old one). Checked before use: the access
 * token goes into SASL lines, so it must be an RFC 6750 b64token, and neither may be huge.
 */
record Tokens(String accessToken, Duration lifetime, String refreshToken) {

    /** Longest token accepted (Microsoft's are 2–3 KB; the columns hold the encrypted form). */
    static final int MAX_TOKEN = 16 * 1024;
    /** Assumed when the answer has no expires_in (RFC 6749 recommends it; Google and Microsoft send it). */
    static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);

    @Override
    public String toString() {
        return "Tokens[hidden, lifetime " + lifetime + (refreshToken == null ? "" : ", with refresh token") + "]";
    }

    static Tokens from(JsonNode answer) throws IOException {
        String access = answer.path("access_token").asText("");
        if (access.isEmpty() || access.length() > MAX_TOKEN || !access.matches("[A-Za-z0-9\\-._~+/]+=*")) {
            throw new IOException("the token endpoint gave no usable access token");
        }
        String type = answer.path("token_type").asText("Bearer");
        if (!type.equalsIgnoreCase("bearer")) {
            throw new IOException("the token endpoint gave a token of type other than Bearer");
        }
        Duration lifetime = DEFAULT_LIFETIME;
        if (answer.path("expires_in").canConvertToLong() || answer.path("expires_in").isTextual()) {
            try {
                long seconds = Long.parseLong(answer.path("expires_in").asText().trim());
                lifetime = Duration.ofSeconds(Math.max(1, Math.min(seconds, Duration.ofDays(30).toSeconds())));
            } catch (NumberFormatException e) {
                throw new IOException("the token endpoint gave an unreadable expires_in");
            }
        }
        String refresh = answer.path("refresh_token").isTextual() ? answer.path("refresh_token").asText() : null;
        if (refresh != null && (refresh.isEmpty() || refresh.length() > MAX_TOKEN
                || refresh.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
            throw new IOException("the token endpoint gave an unusable refresh token");
        }
        return new Tokens(access, lifetime, refresh);
    }
}
