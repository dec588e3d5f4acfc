package org.mailfetch.oauth2;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import org.mailfetch.account.AccountStore;
import org.mailfetch.account.OAuth2Options;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs an OAuth2 account in and stores its tokens: the device flow (RFC 8628) for headless
 * servers, or the authorization code flow with PKCE (RFC 7636) and a loopback redirect (RFC 8252)
 * for providers that allow no device flow for mail (Google). Both block until the user has
 * answered, the code has expired or the wait timed out; a success makes the account authorized
 * again (and clears its needs-authorization state).
 *
 * <p>Everything the provider says is checked before it is shown or used: URLs must be https (or
 * http to a loopback address), codes printable and short, so that a hostile provider can neither
 * send the user elsewhere in plain http nor write escape sequences to their terminal.
 */
public final class SignIn {

    private static final Logger LOG = LoggerFactory.getLogger(SignIn.class);
    private static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    /** RFC 8628 3.2: the default polling interval. */
    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    private static final Duration MAX_CODE_LIFE = Duration.ofMinutes(30);
    /** Token endpoint failures in a row (network, 5xx) after which polling gives up. */
    private static final int MAX_POLL_FAILURES = 5;

    private final AccountStore accounts;
    private final TokenStore tokens;
    private final Providers providers;
    private final OAuth2Http http;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public SignIn(AccountStore accounts, TokenStore tokens, Providers providers, OAuth2Http http, Clock clock) {
        this.accounts = accounts;
        this.tokens = tokens;
        this.providers = providers;
        this.http = http;
        this.clock = clock;
    }

    /** Device flow: shows the code through the listener, polls the token endpoint, stores the tokens. */
    public void device(long accountId, SignInListener listener) throws SignInFailed, InterruptedException {
        Setup s = setup(accountId);
        if (s.endpoints.deviceAuthorization() == null) {
            throw new SignInFailed(SignInFailed.Reason.REFUSED, s.endpoints.noDeviceFlow());
        }
        Map<String, String> ask = clientForm(s);
        ask.put("scope", s.endpoints.scope());
        JsonNode answer = call("device authorization", s.endpoints.deviceAuthorization(), ask);
        String deviceCode = text(answer, "device_code", 4096);
        String userCode = text(answer, "user_code", 64);
        // Google's older name for verification_uri
        URI verification = url(answer, answer.has("verification_uri") ? "verification_uri" : "verification_url", true);
        URI complete = url(answer, "verification_uri_complete", false);
        Duration life = seconds(answer, "expires_in", Duration.ofMinutes(10), MAX_CODE_LIFE);
        Duration interval = seconds(answer, "interval", DEFAULT_INTERVAL, Duration.ofMinutes(1));
        listener.deviceCode(verification, userCode, complete, life);

        Instant deadline = clock.instant().plus(life);
        Map<String, String> poll = clientForm(s);
        poll.put("grant_type", DEVICE_GRANT);
        poll.put("device_code", deviceCode);
        int failures = 0;
        while (true) {
            Thread.sleep(interval.toMillis());
            if (clock.instant().isAfter(deadline)) {
                throw new SignInFailed(SignInFailed.Reason.EXPIRED, "the code expired before the sign-in was approved;"
                        + " run account authorize again");
            }
            try {
                store(s, Tokens.from(http.post(s.endpoints.token(), poll)));
                return;
            } catch (OAuth2Http.TokenError e) {
                failures = 0;
                switch (e.error()) {
                    case "authorization_pending" -> { }
                    case "slow_down" -> interval = interval.plusSeconds(5); // RFC 8628 3.5
                    case "access_denied" -> throw new SignInFailed(SignInFailed.Reason.DENIED,
                            "the sign-in was denied at the provider");
                    case "expired_token" -> throw new SignInFailed(SignInFailed.Reason.EXPIRED,
                            "the code expired before the sign-in was approved; run account authorize again");
                    default -> throw new SignInFailed(SignInFailed.Reason.REFUSED,
                            "the token endpoint refused the sign-in: " + e.getMessage());
                }
            } catch (IOException e) {
                if (++failures >= MAX_POLL_FAILURES) {
                    throw new SignInFailed(SignInFailed.Reason.UNAVAILABLE, "the token endpoint failed "
                            + failures + " times in a row: " + e.getMessage(), e);
                }
                LOG.warn("account {}: polling the token endpoint failed ({}); trying again", accountId, e.getMessage());
            }
        }
    }

    /**
     * Code + PKCE: listens on a loopback port for the redirect, shows the URL to open through the
     * listener, exchanges the code, stores the tokens; gives up after {@code timeout}.
     */
    public void browser(long accountId, SignInListener listener, Duration timeout) throws SignInFailed, InterruptedException {
        Setup s = setup(accountId);
        if (s.endpoints.authorization() == null) {
            throw new SignInFailed(SignInFailed.Reason.REFUSED, "the provider has no authorization endpoint: use the"
                    + " device flow (account authorize without --browser)");
        }
        String verifier = randomText(32);
        String state = randomText(16);
        LoopbackRedirect loopback;
        try {
            loopback = new LoopbackRedirect(state);
        } catch (IOException e) {
            throw new SignInFailed(SignInFailed.Reason.UNAVAILABLE, "cannot listen on a loopback port: " + e.getMessage(), e);
        }
        String redirectUri = "http://" + s.endpoints.loopbackHost() + ":" + loopback.port() + "/";
        try {
            Map<String, String> params = new LinkedHashMap<>();
            params.put("response_type", "code");
            params.put("client_id", s.client.id());
            params.put("redirect_uri", redirectUri);
            params.put("scope", s.endpoints.scope());
            params.put("state", state);
            params.put("code_challenge", challenge(verifier));
            params.put("code_challenge_method", "S256");
            params.put("login_hint", s.account.userName());
            params.putAll(s.endpoints.authorizationParameters());
            listener.authorizationUrl(URI.create(s.endpoints.authorization() + (s.endpoints.authorization().getRawQuery()
                    == null ? "?" : "&") + OAuth2Http.form(params)));
            Map<String, String> answer;
            try {
                answer = loopback.await(timeout);
            } catch (TimeoutException e) {
                throw new SignInFailed(SignInFailed.Reason.EXPIRED, "no sign-in came back from the browser within "
                        + timeout.toMinutes() + " min");
            }
            if (answer.containsKey("error")) {
                String error = Printable.escape(answer.get("error"), 64);
                throw new SignInFailed("access_denied".equals(error) ? SignInFailed.Reason.DENIED : SignInFailed.Reason.REFUSED,
                        "the provider ended the sign-in with " + error);
            }
            Map<String, String> exchange = clientForm(s);
            exchange.put("grant_type", "authorization_code");
            exchange.put("code", answer.get("code"));
            exchange.put("redirect_uri", redirectUri);
            exchange.put("code_verifier", verifier);
            store(s, Tokens.from(call("code exchange", s.endpoints.token(), exchange)));
        } catch (IOException e) {
            throw new SignInFailed(SignInFailed.Reason.UNAVAILABLE, "the token endpoint gave no usable tokens: "
                    + e.getMessage(), e);
        } finally {
            loopback.close();
        }
    }

    private record Setup(Account account, OAuth2Options options, Endpoints endpoints, Providers.Client client) {}

    private Setup setup(long accountId) throws SignInFailed, InterruptedException {
        Account account = accounts.get(accountId).orElseThrow(() -> new SignInFailed(SignInFailed.Reason.NOT_CONFIGURED,
                "no account " + accountId));
        OAuth2Options options = accounts.oauth2().get(accountId).orElseThrow(() -> new SignInFailed(
                SignInFailed.Reason.NOT_CONFIGURED, "account " + accountId + " signs in with a password; make it an"
                + " OAuth2 account first (account update " + accountId + " --oauth2 PROVIDER)"));
        Endpoints endpoints;
        try {
            endpoints = providers.endpoints(options, account.protocol());
        } catch (IOException e) {
            throw new SignInFailed(SignInFailed.Reason.UNAVAILABLE, e.getMessage(), e);
        }
        return new Setup(account, options, endpoints, providers.client(accountId, options));
    }

    private void store(Setup s, Tokens t) throws SignInFailed {
        if (t.refreshToken() == null) {
            throw new SignInFailed(SignInFailed.Reason.REFUSED, "the provider gave no refresh token, so mailfetch could"
                    + " not keep the account signed in; check that the client may ask for offline access");
        }
        tokens.authorized(s.account.id(), t, clock.instant());
        LOG.info("{}: signed in with OAuth2 ({})", s.account.label(), s.options.provider());
    }

    private JsonNode call(String what, URI endpoint, Map<String, String> form) throws SignInFailed, InterruptedException {
        try {
            return http.post(endpoint, form);
        } catch (OAuth2Http.TokenError e) {
            throw new SignInFailed(SignInFailed.Reason.REFUSED, "the provider refused the " + what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SignInFailed(SignInFailed.Reason.UNAVAILABLE, "the " + what + " failed: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> clientForm(Setup s) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", s.client.id());
        form.put("client_secret", s.client.secret());
        return form;
    }

    private static String text(JsonNode answer, String field, int max) throws SignInFailed {
        String v = answer.path(field).asText("");
        boolean printable = v.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        if (v.isEmpty() || v.length() > max || !printable) {
            throw new SignInFailed(SignInFailed.Reason.REFUSED, "the provider's answer has no usable " + field);
        }
        return v;
    }

    private static URI url(JsonNode answer, String field, boolean required) throws SignInFailed {
        if (!answer.path(field).isTextual()) {
            if (required) {
                throw new SignInFailed(SignInFailed.Reason.REFUSED, "the provider's answer has no " + field);
            }
            return null;
        }
        try {
            return OAuth2Options.checkUrl(answer.path(field).asText());
        } catch (IllegalArgumentException e) {
            throw new SignInFailed(SignInFailed.Reason.REFUSED, "the provider's " + field + " is unusable: " + e.getMessage());
        }
    }

    private static Duration seconds(JsonNode answer, String field, Duration otherwise, Duration max) {
        JsonNode n = answer.path(field);
        if (!n.canConvertToLong() || n.asLong() < 1) {
            return otherwise;
        }
        Duration d = Duration.ofSeconds(n.asLong());
        return d.compareTo(max) > 0 ? max : d;
    }

    private String randomText(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
