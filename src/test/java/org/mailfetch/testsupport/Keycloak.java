package org.mailfetch.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.CookieHandler;
import java.net.HttpCookie;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One private Keycloak 26 per test JVM, as the OAuth2 identity provider of the integration tests
 * (see {@code KeycloakDovecotIT}). Get it with {@link #shared()}: the first call starts it (about
 * 15–30 s, plus a one-time {@code kc.sh build} of about 30 s per {@code target/}), a shutdown hook
 * stops it.
 *
 * <h2>Installation</h2>
 * Maven unpacks {@code org.keycloak:keycloak-quarkus-dist} into {@code target/keycloak} in
 * {@code pre-integration-test} and passes its path as system property {@value #HOME_PROPERTY}
 * (default {@code target/keycloak/keycloak-26.7.3}). Keycloak needs Java 21+; it runs on the JDK
 * of the machine image at {@value #DEFAULT_JAVA_HOME} (property {@value #JAVA_HOME_PROPERTY}
 * overrides it). Anything missing fails the test with a message saying what to do; there is no
 * silent skip.
 *
 * <h2>Instance</h2>
 * Each run gets its own Keycloak home below {@code target/keycloak/runs/keycloak-*}: a copy of
 * {@code bin/kc.sh}, symbolic links to the unpacked {@code lib conf providers themes}, and its own
 * {@code data/} (H2 dev-file database, realm import), so a stale database never matters. Its
 * output is {@link #logFile()}; the directory stays for post-mortems, its {@code data/} is removed
 * at exit, runs older than a day are pruned. HTTP only, on free 127.0.0.1 ports; {@code --cache=local}
 * (no cluster ports); no management interface (health and metrics are off); H2 without its
 * {@code AUTO_SERVER} port.
 *
 * <h2>Front door ({@link #issuer()}) and back door ({@link #introspectionUrl()})</h2>
 * Keycloak listens on a private port; a TCP relay (the <em>gate</em>) in this JVM forwards a second
 * port to it, and Keycloak is started with {@code --hostname=http://127.0.0.1:<gate>}, so the
 * issuer and every URL of the discovery document, login pages and redirects point through the
 * gate. {@link #unreachable()} closes the gate (new connections are refused, open ones are cut)
 * until the returned handle is closed: the product under test loses its identity provider while
 * Dovecot, whose {@link #introspectionUrl()} bypasses the gate, keeps validating tokens. Tokens
 * carry the gate issuer either way ({@code --hostname} fixes it).
 *
 * <h2>Realm {@value #REALM}</h2>
 * <ul>
 * <li>users {@code alice} and {@code bob} ({@link #password(String)}; {@code alice@example.com},
 * first and last name set, e-mail verified, no required actions), with the default realm role,
 * so scope {@code offline_access} yields offline refresh tokens;</li>
 * <li>{@value #PUBLIC_CLIENT}: public; password (direct access), authorization code (a PKCE
 * {@code code_challenge}, when sent, is enforced at the code exchange), device authorization grant
 * (RFC 8628, polling interval 1 s); redirect URI {@code http://127.0.0.1/*}, which Keycloak
 * matches for any loopback port (RFC 8252 section 7.3); no consent;</li>
 * <li>{@value #PKCE_CLIENT}: as {@value #PUBLIC_CLIENT}, but PKCE S256 is required and it has no
 * device grant (Keycloak 26 would require PKCE on the device authorization request too);</li>
 * <li>{@value #CONFIDENTIAL_CLIENT} (secret {@value #CONFIDENTIAL_SECRET}): the same grants plus
 * client credentials;</li>
 * <li>{@value #SHORT_CLIENT}: as {@value #PUBLIC_CLIENT}, but access tokens live
 * {@value #SHORT_TOKEN_SECONDS} s;</li>
 * <li>{@value #DOVECOT_CLIENT} (secret {@value #DOVECOT_SECRET}): confidential, no grants; Dovecot
 * introspects with it. Every fetching client has an audience mapper that puts
 * {@value #DOVECOT_CLIENT} into the access token's {@code aud}: without it Keycloak answers
 * {@code active:false} to Dovecot's introspection.</li>
 * </ul>
 *
 * <h2>Playing the user</h2>
 * {@link #approveDevice}, {@link #browserLogin} drive Keycloak's HTML pages with
 * {@code java.net.http} and a cookie jar: they post the login form, accept a consent page if one
 * appears, and check where they land. Tokens are never printed by this class (only lengths).
 */
public final class Keycloak extends PrivateDaemon {

    public static final String VERSION = "26.7.3";
    public static final String HOME_PROPERTY = "mailfetch.keycloak.home";
    public static final String JAVA_HOME_PROPERTY = "mailfetch.keycloak.java.home";
    public static final String DEFAULT_JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64";

    public static final String REALM = "mailfetch";
    public static final String PUBLIC_CLIENT = "mailfetch";
    public static final String CONFIDENTIAL_CLIENT = "mailfetch-confidential";
    public static final String CONFIDENTIAL_SECRET = "mailfetch-confidential-secret";
    public static final String SHORT_CLIENT = "mailfetch-short";
    public static final String PKCE_CLIENT = "mailfetch-pkce";
    public static final int SHORT_TOKEN_SECONDS = 5;
    public static final String DOVECOT_CLIENT = "dovecot";
    public static final String DOVECOT_SECRET = "dovecot-introspection-secret";
    /** The realm's users; each has {@link #password(String)}. */
    public static final List<String> USERS = List.of("alice", "bob");

    private static final String BUILD_OPTIONS = "--db=dev-file";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
    /** Start timeout in seconds (property): an idle machine needs about 30 s, a loaded 2-core one minutes. */
    public static final String START_TIMEOUT_PROPERTY = "mailfetch.keycloak.start.timeout";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong(START_TIMEOUT_PROPERTY, 420));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FORM = Pattern.compile("<form\\b([^>]*)>(.*?)</form>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern INPUT = Pattern.compile("<(?:input|button)\\b([^>]*)>", Pattern.CASE_INSENSITIVE);
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-zA-Z_:-]+)\\s*=\\s*(\"[^\"]*\"|'[^']*')");
    private static final Pattern TITLE = Pattern.compile("<title>(.*?)</title>", Pattern.DOTALL);

    private static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private static Keycloak shared;

    private final Path home;
    private final Path javaHome;
    private final String adminPassword = UUID.randomUUID().toString();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private Gate gate;
    private int port;
    private Duration startTime;

    private Keycloak(Path home, Path javaHome) throws IOException {
        super("keycloak", home.toAbsolutePath().getParent().resolve("runs"));
        this.home = home;
        this.javaHome = javaHome;
    }

    /**
     * The Keycloak of this test JVM, started on first use.
     *
     * @throws IllegalStateException if Keycloak is not unpacked or the JDK 25 is missing
     * @throws UncheckedIOException if it does not come up; the message carries the log tail
     */
    public static synchronized Keycloak shared() {
        if (shared == null) {
            Path home = Path.of(System.getProperty(HOME_PROPERTY, "target/keycloak/keycloak-" + VERSION));
            Path javaHome = Path.of(System.getProperty(JAVA_HOME_PROPERTY, DEFAULT_JAVA_HOME));
            checkEnvironment(home, javaHome);
            try {
                Keycloak keycloak = new Keycloak(home, javaHome);
                try {
                    keycloak.startServer();
                } catch (IOException | RuntimeException e) {
                    keycloak.stopAndDropData();
                    throw e;
                }
                shared = keycloak;
            } catch (IOException e) {
                throw new UncheckedIOException("Keycloak did not start: " + e.getMessage(), e);
            }
        }
        return shared;
    }

    private static void checkEnvironment(Path home, Path javaHome) {
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("Keycloak " + VERSION + " is not unpacked at " + home.toAbsolutePath()
                    + ": run the integration tests through Maven (`mvn verify` unpacks it in pre-integration-test;"
                    + " alone: `mvn dependency:unpack@unpack-keycloak`), or pass -DskipITs");
        }
        if (!Files.isExecutable(javaHome.resolve("bin/java"))) {
            throw new IllegalStateException("Keycloak " + VERSION + " needs Java 21 or newer; the JDK 25 of the machine"
                    + " image is missing at " + javaHome + " (install Temurin 25 there, or point -D"
                    + JAVA_HOME_PROPERTY + " at a JDK 21+), or pass -DskipITs");
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private void startServer() throws IOException {
        pruneOldRuns();
        build();
        Path data = Files.createDirectories(root.resolve("data/import"));
        Files.createDirectories(root.resolve("bin"));
        Files.copy(home.resolve("bin/kc.sh"), root.resolve("bin/kc.sh"));
        for (String dir : List.of("lib", "conf", "providers", "themes")) {
            Files.createSymbolicLink(root.resolve(dir), home.toAbsolutePath().resolve(dir));
        }
        Files.writeString(data.resolve(REALM + "-realm.json"), realmJson());
        gate = new Gate();
        port = freePort();
        gate.target(port);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAndDropData, "keycloak-stop"));

        long started = System.nanoTime();
        launch(List.of(root.resolve("bin/kc.sh").toString(), "start", "--optimized",
                "--http-enabled=true", "--http-host=" + HOST, "--http-port=" + port,
                "--hostname=" + gateUrl(), "--hostname-strict=false",
                "--cache=local", "--import-realm",
                "--db-url-properties=;NON_KEYWORDS=VALUE",
                "--http-management-host=" + HOST, "--http-management-port=" + freePort(),
                "--log-level=INFO"),
                Map.of("JAVA_HOME", javaHome.toString(),
                        "KC_BOOTSTRAP_ADMIN_USERNAME", "admin",
                        "KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword,
                        // 2 shared cores: a small heap and no JIT compiler threads flood
                        "JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m"));
        URI discovery = URI.create(directUrl() + "/realms/" + REALM + "/.well-known/openid-configuration");
        await(START_TIMEOUT, () -> status(discovery) == 200);
        startTime = Duration.ofNanos(System.nanoTime() - started);
        System.out.println("Keycloak " + VERSION + " ready in " + startTime.toMillis() + " ms (issuer " + issuer()
                + ", log " + logFile() + ")");
    }

    private void build() throws IOException {
        Path marker = home.resolve(".mailfetch-built");
        try (FileChannel channel = FileChannel.open(home.resolve(".mailfetch-build.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
            if (Files.exists(marker) && Files.readString(marker).equals(BUILD_OPTIONS)) {
                return;
            }
            long started = System.nanoTime();
            Path log = root.resolve("kc-build.out");
            List<String> command = new ArrayList<>(List.of(home.toAbsolutePath().resolve("bin/kc.sh").toString(), "build"));
            command.addAll(List.of(BUILD_OPTIONS.split(" ")));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("JAVA_HOME", javaHome.toString());
            Process process = builder.start();
            try {
                if (!process.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("kc.sh build took longer than " + BUILD_TIMEOUT + "; output:\n" + read(log));
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during kc.sh build", e);
            }
            if (process.exitValue() != 0) {
                throw new IOException("kc.sh build " + BUILD_OPTIONS + " failed (exit " + process.exitValue() + "):\n"
                        + read(log));
            }
            Files.writeString(marker, BUILD_OPTIONS);
            System.out.println("Keycloak built (kc.sh build " + BUILD_OPTIONS + ") in "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
        }
    }

    private void pruneOldRuns() {
        Instant dayAgo = Instant.now().minus(Duration.ofDays(1));
        try (Stream<Path> runs = Files.list(root.getParent())) {
            for (Path run : runs.filter(r -> !r.equals(root)).toList()) {
                FileTime modified = Files.getLastModifiedTime(run);
                if (modified.toInstant().isBefore(dayAgo)) {
                    deleteTree(run);
                }
            }
        } catch (IOException e) {
            System.err.println("could not prune old Keycloak runs: " + e);
        }
    }

    private synchronized void stopAndDropData() {
        stopProcess();
        if (gate != null) {
            gate.close();
        }
        try {
            deleteTree(root.resolve("data"));
        } catch (IOException e) {
            System.err.println("could not remove " + root.resolve("data") + ": " + e);
        }
    }

    /** Stops Keycloak for good (the shutdown hook does it anyway); {@link #shared()} then starts a new one. */
    @Override
    public void close() {
        synchronized (Keycloak.class) {
            if (shared == this) {
                shared = null;
            }
        }
        stopAndDropData();
    }

    @Override
    protected IOException startFailure(String reason) {
        List<String> lines = read(outputFile()).lines().toList();
        return new IOException(reason + "\n--- " + outputFile() + " (tail) ---\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }

    /** Keycloak's console output (its log). */
    public Path logFile() {
        return outputFile();
    }

    /** How long the start took, from launch to the realm's discovery document answering. */
    public Duration startTime() {
        return startTime;
    }

    /**
     * Closes the gate: connections to {@link #issuer()} and every URL in the discovery document are
     * refused, open ones are cut, until the handle is closed (then the same port accepts again).
     * {@link #introspectionUrl()} keeps working.
     */
    public Reachability unreachable() {
        gate.block();
        return gate::unblock;
    }

    /** Reopens the gate closed by {@link #unreachable()}. */
    @FunctionalInterface
    public interface Reachability extends AutoCloseable {
        @Override
        void close();
    }

    // ---------------------------------------------------------------- URLs

    private String gateUrl() {
        return "http://" + HOST + ":" + gate.port();
    }

    private String directUrl() {
        return "http://" + HOST + ":" + port;
    }

    /** {@code http://127.0.0.1:<gate>/realms/mailfetch}: the {@code iss} of every token. */
    public String issuer() {
        return gateUrl() + "/realms/" + REALM;
    }

    /** The OpenID Connect discovery document of {@link #issuer()}. */
    public String discoveryUrl() {
        return issuer() + "/.well-known/openid-configuration";
    }

    public String tokenEndpoint() {
        return issuer() + "/protocol/openid-connect/token";
    }

    public String authorizationEndpoint() {
        return issuer() + "/protocol/openid-connect/auth";
    }

    public String deviceAuthorizationEndpoint() {
        return issuer() + "/protocol/openid-connect/auth/device";
    }

    public String revocationEndpoint() {
        return issuer() + "/protocol/openid-connect/revoke";
    }

    /** RFC 7662 introspection, straight to Keycloak (not through the gate): for Dovecot. */
    public String introspectionUrl() {
        return directUrl() + "/realms/" + REALM + "/protocol/openid-connect/token/introspect";
    }

    /** What {@link Dovecot#start(Dovecot.OAuth2)} needs to validate this realm's tokens. */
    public Dovecot.OAuth2 dovecotOAuth2() {
        return new Dovecot.OAuth2(introspectionUrl(), DOVECOT_CLIENT, DOVECOT_SECRET);
    }

    /** The password of a realm user ({@link #USERS}). */
    public static String password(String user) {
        return user + "-password";
    }

    // ---------------------------------------------------------------- tokens

    /** Access and refresh token of a token response; {@link #toString()} shows lengths only. */
    public record Tokens(String accessToken, String refreshToken, long expiresIn, String scope) {
        @Override
        public String toString() {
            return "Tokens[access " + length(accessToken) + " chars, refresh " + length(refreshToken) + " chars, expiresIn "
                    + expiresIn + " s, scope " + scope + "]";
        }

        private static int length(String s) {
            return s == null ? 0 : s.length();
        }
    }

    /** An HTTP answer of the token endpoint: status and JSON body. */
    public record TokenReply(int status, JsonNode json) {
        /** The tokens of a 200 answer; otherwise an AssertionError naming the status and OAuth error. */
        public Tokens tokens() {
            if (status != 200) {
                throw new AssertionError("token endpoint answered " + status + ": " + error() + " ("
                        + json.path("error_description").asText() + ")");
            }
            return new Tokens(json.path("access_token").asText(null), json.path("refresh_token").asText(null),
                    json.path("expires_in").asLong(), json.path("scope").asText(null));
        }

        /** The OAuth {@code error} ({@code invalid_grant}, {@code authorization_pending}, ...) or null. */
        public String error() {
            return json.path("error").asText(null);
        }
    }

    /** Resource owner password grant; {@code clientSecret} null for public clients, {@code scope} may be null. */
    public Tokens passwordGrant(String clientId, String clientSecret, String user, String password, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("username", user);
        form.put("password", password);
        if (scope != null) {
            form.put("scope", scope);
        }
        return token(clientId, clientSecret, form).tokens();
    }

    /** A refresh grant; the reply tells success or the OAuth error (e.g. 400 {@code invalid_grant}). */
    public TokenReply refresh(String clientId, String clientSecret, String refreshToken) {
        return token(clientId, clientSecret, Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
    }

    /** Posts {@code form} plus the client's credentials (form parameters) to the token endpoint. */
    public TokenReply token(String clientId, String clientSecret, Map<String, String> form) {
        Map<String, String> all = new LinkedHashMap<>(form);
        all.put("client_id", clientId);
        if (clientSecret != null) {
            all.put("client_secret", clientSecret);
        }
        HttpResponse<String> response = postForm(URI.create(tokenEndpoint()), all, null);
        return new TokenReply(response.statusCode(), parse(response.body()));
    }

    /** The claims of a JWT (no signature check): tests look at {@code aud}, {@code typ}, {@code exp}. */
    public static JsonNode claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not a JWT (" + jwt.length() + " chars)");
        }
        return parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- playing the user

    /**
     * Plays the user of the device flow with {@code verification_uri_complete}: signs in as
     * {@code user} and accepts the consent page if one appears.
     *
     * @throws AssertionError if the last page does not say that the device is signed in
     */
    public void approveDevice(String verificationUriComplete, String user, String password) {
        approveDevice(URI.create(verificationUriComplete), null, user, password);
    }

    /** As {@link #approveDevice(String, String, String)}, typing {@code userCode} into the {@code verification_uri} page. */
    public void approveDevice(String verificationUri, String userCode, String user, String password) {
        approveDevice(URI.create(verificationUri), userCode, user, password);
    }

    private void approveDevice(URI start, String userCode, String user, String password) {
        Browser browser = new Browser();
        Page page = browser.signIn(start, userCode, user, password);
        if (page.leftKeycloak != null || !page.body.contains("Device Login Successful")) {
            throw new AssertionError("device approval did not end on the success page: " + page);
        }
    }

    /**
     * Plays the user of the authorization code flow: opens {@code authorizationUrl}, signs in as
     * {@code user}, accepts a consent page if one appears, follows the redirects to the client's
     * (loopback) {@code redirect_uri}, performs that GET (so the client's listener receives
     * {@code code} and {@code state}) and returns its URI.
     *
     * @throws AssertionError if Keycloak shows an error page instead of redirecting
     */
    public URI browserLogin(String authorizationUrl, String user, String password) {
        Browser browser = new Browser();
        Page page = browser.signIn(URI.create(authorizationUrl), null, user, password);
        if (page.leftKeycloak == null) {
            throw new AssertionError("login did not redirect to the client: " + page);
        }
        try {
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(page.leftKeycloak).timeout(Duration.ofSeconds(10)).GET().build(),
                            HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException("redirect target " + withoutQuery(page.leftKeycloak) + " unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return page.leftKeycloak;
    }

    private static String withoutQuery(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    }

    /** A page Keycloak showed, or the redirect that left Keycloak. */
    private record Page(int status, URI uri, String body, URI leftKeycloak) {
        @Override
        public String toString() {
            if (leftKeycloak != null) {
                return "redirect to " + withoutQuery(leftKeycloak);
            }
            Matcher title = TITLE.matcher(body);
            String text = body.replaceAll("(?s)<script.*?</script>|<style.*?</style>", " ").replaceAll("<[^>]+>", " ")
                    .replaceAll("\\s+", " ").trim();
            return "HTTP " + status + " " + withoutQuery(uri) + " title \"" + (title.find() ? title.group(1).trim() : "")
                    + "\" text: " + text.substring(0, Math.min(600, text.length()));
        }
    }

    /** A browser with its own cookies, that stays on Keycloak's origin. */
    private final class Browser {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).cookieHandler(new CookieJar()).build();

        Page signIn(URI start, String userCode, String user, String password) {
            Page page = get(start);
            for (int step = 0; step < 8 && page.leftKeycloak == null; step++) {
                Map<String, String> fields;
                String form;
                if ((form = formWith(page.body, "password")) != null) {
                    fields = hiddenFields(form);
                    fields.put("username", user);
                    fields.put("password", password);
                } else if ((form = formWith(page.body, "accept")) != null) {
                    fields = hiddenFields(form);
                    fields.put("accept", "Yes");
                } else if ((form = formWith(page.body, "device_user_code")) != null && userCode != null) {
                    fields = hiddenFields(form);
                    fields.put("device_user_code", userCode);
                } else {
                    return page;
                }
                URI action = page.uri.resolve(unescape(attributes(form.substring(0, form.indexOf('>'))).get("action")));
                page = follow(send(HttpRequest.newBuilder(action).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(formEncode(fields))), action), action);
            }
            return page;
        }

        private Page get(URI uri) {
            return follow(send(HttpRequest.newBuilder(uri).GET(), uri), uri);
        }

        private Page follow(HttpResponse<String> response, URI uri) {
            for (int hops = 0; hops < 10; hops++) {
                int status = response.statusCode();
                if (status < 300 || status >= 400) {
                    return new Page(status, uri, response.body(), null);
                }
                URI from = uri;
                URI next = uri.resolve(response.headers().firstValue("Location").orElseThrow(
                        () -> new AssertionError("redirect without Location from " + withoutQuery(from))));
                if (!isKeycloak(next)) {
                    return new Page(status, uri, "", next);
                }
                uri = next;
                response = send(HttpRequest.newBuilder(next).GET(), next);
            }
            throw new AssertionError("more than 10 redirects, last " + withoutQuery(uri));
        }

        private HttpResponse<String> send(HttpRequest.Builder request, URI uri) {
            try {
                // as a browser: Keycloak serves the device page's user-code POST and the device
                // authorization request (JSON) on the same path and picks the method by Accept
                return client.send(request.timeout(Duration.ofSeconds(30)).header("Accept", BROWSER_ACCEPT).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException("Keycloak page " + withoutQuery(uri) + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The cookies of one origin, whatever their attributes. Not {@link java.net.CookieManager}:
     * Keycloak marks its cookies {@code Secure} on http://127.0.0.1 too (a loopback origin counts
     * as a secure context in browsers), and CookieManager never sends a Secure cookie over http,
     * so every login post would end in "Restart login cookie not found".
     */
    private static final class CookieJar extends CookieHandler {
        private final Map<String, String> cookies = new ConcurrentHashMap<>();

        @Override
        public Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
            if (cookies.isEmpty()) {
                return Map.of();
            }
            return Map.of("Cookie", List.of(cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("; "))));
        }

        @Override
        public void put(URI uri, Map<String, List<String>> responseHeaders) {
            responseHeaders.forEach((name, values) -> {
                if (name != null && name.equalsIgnoreCase("Set-Cookie")) {
                    for (String value : values) {
                        for (HttpCookie cookie : HttpCookie.parse(value)) {
                            if (cookie.getMaxAge() == 0 || cookie.hasExpired()) {
                                cookies.remove(cookie.getName());
                            } else {
                                cookies.put(cookie.getName(), cookie.getValue());
                            }
                        }
                    }
                }
            });
        }
    }

    private boolean isKeycloak(URI uri) {
        String authority = uri.getRawAuthority();
        return authority != null && (authority.equals(HOST + ":" + gate.port()) || authority.equals(HOST + ":" + port));
    }

    /** The first form (with its opening tag) that has a field called {@code field}, or null. */
    private static String formWith(String html, String field) {
        Matcher form = FORM.matcher(html);
        while (form.find()) {
            String whole = form.group();
            Matcher input = INPUT.matcher(whole);
            while (input.find()) {
                if (field.equals(attributes(input.group(1)).get("name"))) {
                    return whole;
                }
            }
        }
        return null;
    }

    /** The non-submit inputs of a form with their values (the submit button is chosen by the caller). */
    private static Map<String, String> hiddenFields(String form) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher input = INPUT.matcher(form);
        while (input.find()) {
            if (input.group().regionMatches(true, 0, "<button", 0, 7)) {
                continue;
            }
            Map<String, String> a = attributes(input.group(1));
            String type = a.getOrDefault("type", "text").toLowerCase();
            if (a.containsKey("name") && !type.equals("submit") && !type.equals("checkbox")) {
                fields.put(a.get("name"), unescape(a.getOrDefault("value", "")));
            }
        }
        return fields;
    }

    private static Map<String, String> attributes(String tag) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Matcher m = ATTRIBUTE.matcher(tag);
        while (m.find()) {
            String value = m.group(2);
            attributes.putIfAbsent(m.group(1).toLowerCase(), value.substring(1, value.length() - 1));
        }
        return attributes;
    }

    private static String unescape(String html) {
        return html.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&#x3D;", "=");
    }

    // ---------------------------------------------------------------- admin

    /**
     * Signs {@code user} out everywhere and revokes what they granted: deletes the consent and the
     * offline sessions of every client (admin API {@code DELETE users/{id}/consents/{client}}), then
     * ends their sessions ({@code POST users/{id}/logout}). Afterwards every refresh token the user
     * holds, offline or not, answers 400 {@code invalid_grant}.
     */
    public void revokeOfflineAndSessions(String user) {
        String token = adminToken();
        String users = directUrl() + "/admin/realms/" + REALM + "/users";
        JsonNode found = parse(admin("GET", users + "?exact=true&username=" + encode(user), token, 200));
        if (found.size() != 1) {
            throw new IllegalArgumentException("no single realm user " + user + ": " + found.size() + " found");
        }
        String id = found.get(0).path("id").asText();
        for (JsonNode consent : parse(admin("GET", users + "/" + id + "/consents", token, 200))) {
            admin("DELETE", users + "/" + id + "/consents/" + encode(consent.path("clientId").asText()), token, 204);
        }
        admin("POST", users + "/" + id + "/logout", token, 204);
        if (parse(admin("GET", users + "/" + id + "/sessions", token, 200)).size() != 0) {
            throw new AssertionError(user + " still has sessions after logout");
        }
    }

    private String adminToken() {
        HttpResponse<String> response = postForm(URI.create(directUrl() + "/realms/master/protocol/openid-connect/token"),
                Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", adminPassword),
                null);
        if (response.statusCode() != 200) {
            throw new AssertionError("admin sign-in failed: HTTP " + response.statusCode() + " " + response.body());
        }
        return parse(response.body()).path("access_token").asText();
    }

    private String admin(String method, String url, String token, int expected) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = send(request);
        if (response.statusCode() != expected) {
            throw new AssertionError("admin " + method + " " + url + ": HTTP " + response.statusCode() + " "
                    + response.body());
        }
        return response.body();
    }

    // ---------------------------------------------------------------- HTTP

    /** POSTs a form; {@code bearer} may be null. */
    public HttpResponse<String> postForm(URI uri, Map<String, String> form, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formEncode(form)));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request.build());
    }

    /** GETs a JSON document, e.g. {@link #discoveryUrl()}. */
    public JsonNode getJson(String url) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + url + ": HTTP " + response.statusCode());
        }
        return parse(response.body());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri().getPath() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int status(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public static String formEncode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    /** The query parameters of a URI (decoded). */
    public static Map<String, String> queryParameters(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                parameters.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json.isEmpty() ? "{}" : json);
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + json.length() + " chars): "
                    + json.substring(0, Math.min(200, json.length())), e);
        }
    }

    // ---------------------------------------------------------------- realm

    private static String realmJson() {
        String audience = """
                {"name": "audience-dovecot", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
                 "config": {"included.client.audience": "dovecot", "access.token.claim": "true",
                            "id.token.claim": "false", "introspection.token.claim": "true"}}""";
        String fetchingClient = """
                {"clientId": "@ID@", "enabled": true, "publicClient": @PUBLIC@, @SECRET@
                 "standardFlowEnabled": true, "directAccessGrantsEnabled": true, "implicitFlowEnabled": false,
                 "serviceAccountsEnabled": @SERVICE@, "consentRequired": false, "frontchannelLogout": false,
                 "redirectUris": ["http://127.0.0.1/*"], "webOrigins": [],
                 "attributes": {"oauth2.device.authorization.grant.enabled": "@DEVICE@",
                                @PKCE@ @LIFESPAN@
                                "post.logout.redirect.uris": "+"},
                 "protocolMappers": [@AUDIENCE@]}""".replace("@AUDIENCE@", audience);
        // PKCE: Keycloak verifies a code_verifier whenever the authorization request carried a
        // code_challenge; the client attribute pkce.code.challenge.method additionally *requires* one,
        // and in Keycloak 26 also on the device authorization request (a plain RFC 8628 client then
        // gets 400 "Missing parameter: code_challenge_method"), so only mailfetch-pkce requires it
        fetchingClient = fetchingClient.replace("@DEVICE@", "true").replace("@PKCE@", "");
        String clients = String.join(",\n",
                fetchingClient.replace("@ID@", PUBLIC_CLIENT).replace("@PUBLIC@", "true").replace("@SECRET@", "")
                        .replace("@SERVICE@", "false").replace("@LIFESPAN@", ""),
                fetchingClient.replace("@ID@", PKCE_CLIENT).replace("@PUBLIC@", "true").replace("@SECRET@", "")
                        .replace("@SERVICE@", "false").replace("@LIFESPAN@", "")
                        .replace("\"oauth2.device.authorization.grant.enabled\": \"true\",",
                                "\"oauth2.device.authorization.grant.enabled\": \"false\", "
                                        + "\"pkce.code.challenge.method\": \"S256\","),
                fetchingClient.replace("@ID@", CONFIDENTIAL_CLIENT).replace("@PUBLIC@", "false")
                        .replace("@SECRET@", "\"clientAuthenticatorType\": \"client-secret\", \"secret\": \""
                                + CONFIDENTIAL_SECRET + "\",")
                        .replace("@SERVICE@", "true").replace("@LIFESPAN@", ""),
                fetchingClient.replace("@ID@", SHORT_CLIENT).replace("@PUBLIC@", "true").replace("@SECRET@", "")
                        .replace("@SERVICE@", "false")
                        .replace("@LIFESPAN@", "\"access.token.lifespan\": \"" + SHORT_TOKEN_SECONDS + "\","),
                """
                {"clientId": "dovecot", "enabled": true, "publicClient": false, "clientAuthenticatorType": "client-secret",
                 "secret": "@SECRET@", "standardFlowEnabled": false, "directAccessGrantsEnabled": false,
                 "serviceAccountsEnabled": false, "bearerOnly": false}""".replace("@SECRET@", DOVECOT_SECRET));
        String users = USERS.stream().map(u -> """
                {"username": "@U@", "enabled": true, "email": "@U@@example.com", "emailVerified": true,
                 "firstName": "@First@", "lastName": "Tester", "requiredActions": [],
                 "realmRoles": ["default-roles-mailfetch"],
                 "credentials": [{"type": "password", "value": "@P@", "temporary": false}]}"""
                .replace("@U@", u).replace("@First@", Character.toUpperCase(u.charAt(0)) + u.substring(1))
                .replace("@P@", password(u))).collect(Collectors.joining(",\n"));
        return """
                {"realm": "mailfetch", "enabled": true, "sslRequired": "none",
                 "registrationAllowed": false, "bruteForceProtected": false, "loginWithEmailAllowed": true,
                 "accessTokenLifespan": 300, "ssoSessionIdleTimeout": 1800, "ssoSessionMaxLifespan": 36000,
                 "offlineSessionIdleTimeout": 2592000,
                 "oauth2DeviceCodeLifespan": 600, "oauth2DevicePollingInterval": 1,
                 "clients": [@CLIENTS@],
                 "users": [@USERS@]}
                """.replace("@CLIENTS@", clients).replace("@USERS@", users);
    }

    // ---------------------------------------------------------------- gate

    /** A TCP relay on a fixed loopback port that can refuse connections for a while. */
    private static final class Gate {
        private final int port;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private volatile int target;
        private ServerSocket listener;
        private boolean closed;

        Gate() throws IOException {
            listener = listen(0);
            port = listener.getLocalPort();
            accept(listener);
        }

        int port() {
            return port;
        }

        void target(int targetPort) {
            this.target = targetPort;
        }

        private static ServerSocket listen(int port) throws IOException {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 100);
            return socket;
        }

        private void accept(ServerSocket server) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        relay(server.accept());
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "keycloak-gate-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void relay(Socket client) {
            try {
                Socket upstream = new Socket();
                open.add(client);
                open.add(upstream);
                upstream.connect(new InetSocketAddress(HOST, target), 5000);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                quietClose(client);
            }
        }

        private void pump(Socket from, Socket to) {
            Thread pump = new Thread(() -> {
                byte[] buffer = new byte[16384];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // either side closed
                } finally {
                    quietClose(from);
                    quietClose(to);
                    open.remove(from);
                    open.remove(to);
                }
            }, "keycloak-gate-pump");
            pump.setDaemon(true);
            pump.start();
        }

        synchronized void block() {
            if (listener != null) {
                quietClose(listener);
                listener = null;
            }
            open.forEach(Gate::quietClose);
            open.clear();
        }

        synchronized void unblock() {
            if (listener != null || closed) {
                return;
            }
            try {
                listener = listen(port);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot reopen the Keycloak gate on port " + port, e);
            }
            accept(listener);
        }

        synchronized void close() {
            closed = true;
            block();
        }

        private static void quietClose(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }
}
