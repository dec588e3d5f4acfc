package org.mailfetch.oauth2;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import org.mailfetch.account.OAuth2Options;
import org.mailfetch.account.OAuth2OptionsStore;
import org.mailfetch.config.Settings;
import org.mailfetch.mail.Printable;

/**
 * The providers mailfetch knows by name — gmail and microsoft, with their endpoints and the scopes
 * mail needs — and any other by discovery of its issuer: OpenID Connect's
 * {@code /.well-known/openid-configuration}, else RFC 8414's {@code /.well-known/oauth-authorization-server}.
 * Client ids and secrets come from the account, else from {@code mailfetch.oauth2.<provider>.client-id}
 * / {@code .client-secret}.
 */
public final class Providers {

    private static final URI GOOGLE_AUTH = URI.create("https://accounts.google.com/o/oauth2/v2/auth");
    private static final URI GOOGLE_TOKEN = URI.create("https://oauth2.googleapis.com/token");
    private static final String GOOGLE_SCOPE = "https://mail.google.com/";
    private static final String MICROSOFT_LOGIN = "https://login.microsoftonline.com/";
    private static final String OUTLOOK = "https://outlook.office.com/";
    /** How long a discovery document is trusted before it is fetched again. */
    private static final Duration DISCOVERY_TTL = Duration.ofHours(1);

    /** The account's client: id and (for confidential clients) secret. Never log the secret. */
    public record Client(String id, String secret) {
        @Override
        public String toString() {
            return "Client[" + id + (secret == null ? "" : ", secret hidden") + "]";
        }
    }

    private record Discovered(Endpoints endpoints, Instant fetched) {}

    private final Settings settings;
    private final OAuth2OptionsStore options;
    private final OAuth2Http http;
    private final Clock clock;
    private final Map<URI, Discovered> discovered = new ConcurrentHashMap<>();

    public Providers(Settings settings, OAuth2OptionsStore options, OAuth2Http http, Clock clock) {
        this.settings = settings;
        this.options = options;
        this.http = http;
        this.clock = clock;
    }

    /** The endpoints and scope for an account of this protocol (pop3, imap). Discovery may ask the issuer. */
    public Endpoints endpoints(OAuth2Options o, String protocol) throws IOException, InterruptedException {
        Endpoints base = switch (o.provider()) {
            case OAuth2Options.GMAIL -> new Endpoints(GOOGLE_AUTH, GOOGLE_TOKEN, null, GOOGLE_SCOPE,
                    // offline: a refresh token; consent: Google gives one only on a consent screen
                    Map.of("access_type", "offline", "prompt", "consent"), "127.0.0.1",
                    "Google does not allow the device flow for mail scopes: use account authorize --browser");
            case OAuth2Options.MICROSOFT -> microsoft(o.tenant() == null ? "common" : o.tenant(), protocol);
            default -> discover(o.issuer());
        };
        return o.scope() == null ? base : new Endpoints(base.authorization(), base.token(), base.deviceAuthorization(),
                o.scope(), base.authorizationParameters(), base.loopbackHost(), base.noDeviceFlow());
    }

    /** The account's client id (its own, else the provider's from the properties) and secret. */
    public Client client(long accountId, OAuth2Options o) throws SignInFailed {
        String id = o.clientId();
        if (id == null && o.preset()) {
            id = settings.optional("mailfetch.oauth2." + o.provider() + ".client-id").orElse(null);
        }
        if (id == null) {
            throw new SignInFailed(SignInFailed.Reason.NOT_CONFIGURED, "account " + accountId + " has no OAuth2 client id:"
                    + " give --oauth2-client-id" + (o.preset() ? " or set mailfetch.oauth2." + o.provider()
                    + ".client-id" : ""));
        }
        String secret = options.clientSecret(accountId).orElse(null);
        if (secret == null && o.clientId() == null && o.preset()) {
            secret = settings.optional("mailfetch.oauth2." + o.provider() + ".client-secret").orElse(null);
        }
        return new Client(id, secret);
    }

    private static Endpoints microsoft(String tenant, String protocol) {
        String base = MICROSOFT_LOGIN + tenant + "/oauth2/v2.0/";
        String mail = "imap".equals(protocol) ? "IMAP.AccessAsUser.All" : "POP.AccessAsUser.All";
        // SMTP.Send too, so that the same sign-in serves an SMTP route through Exchange Online
        String scope = OUTLOOK + mail + " " + OUTLOOK + "SMTP.Send offline_access";
        return new Endpoints(URI.create(base + "authorize"), URI.create(base + "token"), URI.create(base + "devicecode"),
                scope, Map.of(), "localhost", null);
    }

    private Endpoints discover(URI issuer) throws IOException, InterruptedException {
        Discovered d = discovered.get(issuer);
        if (d != null && d.fetched().plus(DISCOVERY_TTL).isAfter(clock.instant())) {
            return d.endpoints();
        }
        JsonNode doc;
        String base = issuer.toString().replaceAll("/+$", "");
        try {
            doc = http.get(URI.create(base + "/.well-known/openid-configuration"));
        } catch (IOException openIdMissing) {
            // RFC 8414 3: the well-known part goes between host and path
            String path = issuer.getRawPath() == null ? "" : issuer.getRawPath().replaceAll("/+$", "");
            try {
                doc = http.get(URI.create(issuer.getScheme() + "://" + issuer.getRawAuthority()
                        + "/.well-known/oauth-authorization-server" + path));
            } catch (IOException e) {
                e.addSuppressed(openIdMissing);
                throw new IOException("cannot discover the OAuth2 endpoints of " + base + ": " + e.getMessage(), e);
            }
        }
        // RFC 8414 3.3 / OpenID Discovery 4.3: a document naming another issuer is not this provider's
        String named = doc.path("issuer").asText("").replaceAll("/+$", "");
        if (!named.equals(base)) {
            throw new IOException("the discovery document of " + base + " names another issuer: "
                    + Printable.escape(named, 200));
        }
        Set<String> scopes = new HashSet<>();
        doc.path("scopes_supported").forEach(s -> scopes.add(s.asText()));
        String scope = String.join(" ", scopes.contains("openid") && scopes.contains("offline_access")
                ? java.util.List.of("openid", "offline_access")
                : scopes.contains("offline_access") ? java.util.List.of("offline_access") : java.util.List.of());
        // an https issuer's endpoints are https too: its document must not point the secrets at a
        // plain-http port on this machine (the loopback exception is for a loopback issuer only)
        boolean https = "https".equalsIgnoreCase(issuer.getScheme());
        URI device = optionalUrl(doc, "device_authorization_endpoint", https);
        Endpoints e = new Endpoints(optionalUrl(doc, "authorization_endpoint", https),
                requiredUrl(doc, "token_endpoint", https),
                device, scope.isEmpty() ? null : scope, Map.of(), "127.0.0.1",
                device == null ? "the provider offers no device flow: use account authorize --browser" : null);
        discovered.put(issuer, new Discovered(e, clock.instant()));
        return e;
    }

    private static URI requiredUrl(JsonNode doc, String field, boolean https) throws IOException {
        URI u = optionalUrl(doc, field, https);
        if (u == null) {
            throw new IOException("the discovery document has no " + field);
        }
        return u;
    }

    private static URI optionalUrl(JsonNode doc, String field, boolean https) throws IOException {
        if (!doc.path(field).isTextual()) {
            return null;
        }
        try {
            URI u = OAuth2Options.checkUrl(doc.path(field).asText());
            if (https && !"https".equalsIgnoreCase(u.getScheme())) {
                throw new IllegalArgumentException("not https, though the issuer is");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new IOException("the discovery document's " + field + " is unusable: " + e.getMessage());
        }
    }
}
