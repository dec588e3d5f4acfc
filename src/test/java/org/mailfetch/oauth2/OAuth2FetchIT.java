package org.mailfetch.oauth2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AccountService;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.Keycloak;
import org.mailfetch.testsupport.MailfetchFixture;
import org.slf4j.LoggerFactory;

/**
 * OAuth2 end to end against a real authorization server (Keycloak) and a real mail server (Dovecot
 * validating tokens by introspection at that Keycloak): the test plays the user in Keycloak's pages.
 * Every test checks at the end that no token reached a log line or a file in clear.
 */
class OAuth2FetchIT {

    @AutoClose
    static Dovecot dovecot;
    static Keycloak keycloak;
    static String trustPem;
    private static int userCount;

    @TempDir
    Path dir;
    private MailfetchFixture fixture;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private String mailUser;

    @BeforeAll
    static void start() throws IOException {
        keycloak = Keycloak.shared();
        dovecot = Dovecot.start(keycloak.dovecotOAuth2());
        trustPem = Files.readString(dovecot.certificatePem());
    }

    @BeforeEach
    void logs() {
        log.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(log);
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Alice's Dovecot mailbox, emptied, with {@code n} new messages (Keycloak's alice is Dovecot's alice). */
    private synchronized void mail(int n) throws IOException {
        mailUser = "alice";
        if (userCount++ == 0) {
            dovecot.addUser("alice", "alice-mail-password-unused");
        }
        for (int i = 0; i < n; i++) {
            dovecot.deliver("alice", ("From: a@example.com\nTo: alice@example.com\nSubject: m" + i + " "
                    + System.nanoTime() + "\nMessage-ID: <" + System.nanoTime() + "." + i + "@example.com>\n\nbody "
                    + i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private Account account(String protocol, String clientId, String secret, String mechanisms) {
        Properties p = new Properties();
        p.setProperty("mailfetch.oauth2.mechanisms", mechanisms);
        fixture = new MailfetchFixture(dir, p);
        boolean imap = "imap".equals(protocol);
        AccountChange c = new AccountChange().owner(MailfetchFixture.OWNER).name("oauth " + protocol)
                .protocol(protocol).host(Dovecot.HOST).port(imap ? dovecot.imapsPort() : dovecot.pop3sPort())
                .security("ssl").trustCertPem(trustPem).user("alice").delete("immediately")
                .oauth2("issuer:" + keycloak.issuer()).oauth2ClientId(clientId);
        if (secret != null) {
            c.oauth2ClientSecret(secret);
        }
        return new AccountService(fixture.services()).add(c);
    }

    /** The device flow as `account authorize` runs it; the test approves the code in Keycloak's pages. */
    private void signInByDevice(Account a) throws Exception {
        List<CompletableFuture<Void>> approvals = new ArrayList<>();
        fixture.services().signIn().device(a.id(), new SignInListener() {
            @Override
            public void deviceCode(URI verificationUri, String userCode, URI complete, Duration expiresIn) {
                approvals.add(CompletableFuture.runAsync(() -> keycloak.approveDevice(complete.toString(), "alice",
                        Keycloak.password("alice"))));
            }

            @Override
            public void authorizationUrl(URI url) {
                throw new AssertionError("the device flow opens no browser");
            }
        });
        approvals.get(0).join();
    }

    private void signInByBrowser(Account a) throws Exception {
        List<CompletableFuture<URI>> logins = new ArrayList<>();
        fixture.services().signIn().browser(a.id(), new SignInListener() {
            @Override
            public void deviceCode(URI verificationUri, String userCode, URI complete, Duration expiresIn) {
                throw new AssertionError("the browser flow shows no device code");
            }

            @Override
            public void authorizationUrl(URI url) {
                logins.add(CompletableFuture.supplyAsync(() -> keycloak.browserLogin(url.toString(), "alice",
                        Keycloak.password("alice"))));
            }
        }, Duration.ofMinutes(2));
        URI landed = logins.get(0).join();
        assertTrue(landed.toString().startsWith("http://127.0.0.1:"), landed.toString());
    }

    @Test
    void deviceFlowThenPop3WithXoauth2() throws Exception {
        Account a = account("pop3", Keycloak.PUBLIC_CLIENT, null, "XOAUTH2,OAUTHBEARER");
        mail(2);
        signInByDevice(a);
        SessionSummary s = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(2, s.delivered(), s.line());
        assertEquals(0, dovecot.messageCount(mailUser), "deleted on the server after delivery");
        assertTrue(dovecot.logTail(200).contains("method=XOAUTH2"), dovecot.logTail(40));
        noTokenInClear(a);
    }

    @Test
    void browserFlowWithPkceThenImapWithOauthbearerAndAClientSecret() throws Exception {
        Account a = account("imap", Keycloak.CONFIDENTIAL_CLIENT, Keycloak.CONFIDENTIAL_SECRET, "OAUTHBEARER,XOAUTH2");
        mail(3);
        signInByBrowser(a);
        SessionSummary s = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(3, s.delivered(), s.line());
        assertTrue(dovecot.logTail(200).contains("method=OAUTHBEARER"), dovecot.logTail(40));
        noTokenInClear(a);
    }

    @Test
    void anExpiredAccessTokenIsRefreshedSilently() throws Exception {
        Account a = account("pop3", Keycloak.SHORT_CLIENT, null, "XOAUTH2");
        mail(1);
        signInByDevice(a);
        String first = fixture.services().tokens().get(a.id()).orElseThrow().accessToken();
        assertEquals(SessionSummary.Result.OK, fixture.fetch(a.id()).result());
        Thread.sleep((Keycloak.SHORT_TOKEN_SECONDS + 1) * 1000L); // the access token has expired
        mail(1);
        SessionSummary s = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, s.delivered(), s.line());
        assertNotEquals(first, fixture.services().tokens().get(a.id()).orElseThrow().accessToken(),
                "a new access token was fetched with the refresh token");
        assertEquals(2, fixture.delivered().size());
        noTokenInClear(a);
    }

    @Test
    void aRevokedGrantNeedsAuthorizationTellsTheOwnerOnceAndIsNotRetriedUntilSignedInAgain() throws Exception {
        Account a = account("pop3", Keycloak.PUBLIC_CLIENT, null, "XOAUTH2");
        mail(1);
        signInByDevice(a);
        keycloak.revokeOfflineAndSessions("alice");
        int loginsBefore = countLogins();

        SessionSummary s = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.NEEDS_AUTHORIZATION, s.result(), s.line());
        assertEquals("needs-authorization", new AccountService(fixture.services()).lastResult(a.id()));
        assertEquals("needs-authorization", new AccountService(fixture.services()).view(a).get("lastResult"));
        assertEquals(1, dovecot.messageCount(mailUser), "nothing lost: the message waits on the server");
        List<String> notices = fixture.delivered();
        assertEquals(1, notices.size());
        assertTrue(notices.get(0).contains("account authorize " + a.id()), notices.get(0));

        int afterFirst = countLogins();
        for (int i = 0; i < 3; i++) {
            assertEquals(SessionSummary.Result.NEEDS_AUTHORIZATION, fixture.fetch(a.id()).result());
        }
        assertEquals(afterFirst, countLogins(), "no login attempt until someone signs in again");
        assertTrue(afterFirst - loginsBefore <= 2, "the refused token was tried at most once more after a refresh");
        assertEquals(1, fixture.delivered().size(), "one notice only");

        signInByDevice(a);
        SessionSummary again = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.OK, again.result(), again.line());
        assertEquals(0, dovecot.messageCount(mailUser));
        noTokenInClear(a);
    }

    @Test
    void aTokenEndpointThatIsDownIsATemporaryFailureAndLosesNothing() throws Exception {
        Account a = account("pop3", Keycloak.SHORT_CLIENT, null, "XOAUTH2");
        mail(2);
        signInByDevice(a);
        Thread.sleep((Keycloak.SHORT_TOKEN_SECONDS + 1) * 1000L);
        SessionSummary down;
        try (Keycloak.Reachability r = keycloak.unreachable()) {
            down = fixture.fetch(a.id());
        }
        assertEquals(SessionSummary.Result.FAILED, down.result(), down.line());
        assertTrue(down.error().contains("access token"), down.error());
        assertEquals(2, dovecot.messageCount(mailUser), "nothing fetched, nothing lost");
        assertEquals(TokenStore.AUTHORIZED, fixture.services().tokens().get(a.id()).orElseThrow().state(),
                "an unreachable provider is no reason to sign in again");
        assertEquals(1, fixture.services().status().get(a.id()).loginFailures(), "counts toward the back-off");

        SessionSummary up = fixture.fetch(a.id());
        assertEquals(SessionSummary.Result.OK, up.result(), up.line());
        assertEquals(2, up.delivered());
        noTokenInClear(a);
    }

    /**
     * As a new user would: `account authorize ID` in its own process prints the contract lines, the
     * user approves in Keycloak's pages, it exits 0; then `account fetch ID` downloads the mail.
     */
    @Test
    void theCommandLineSignsInByDeviceAndFetches() throws Exception {
        Account a = account("pop3", Keycloak.PUBLIC_CLIENT, null, "XOAUTH2");
        mail(1);
        fixture.close();
        fixture = null;
        Path log = dir.resolve("authorize.log");
        try (ForkedMailfetch authorize = ForkedMailfetch.start(dir, log, Map.of(), List.of(), "account", "authorize",
                String.valueOf(a.id()))) {
            String complete = Eventually.value("the verification_uri_complete line", Duration.ofSeconds(60), () -> {
                for (String line : Files.readAllLines(log)) {
                    if (line.startsWith("verification_uri_complete: ")) {
                        return line.substring("verification_uri_complete: ".length());
                    }
                }
                return null;
            });
            List<String> lines = Files.readAllLines(log);
            assertTrue(lines.stream().anyMatch(l -> l.matches("verification_uri: http://127\\.0\\.0\\.1:\\d+/realms/mailfetch/device")),
                    String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.matches("user_code: [A-Z0-9-]{4,20}")), String.join("\n", lines));
            keycloak.approveDevice(complete, "alice", Keycloak.password("alice"));
            assertEquals(0, authorize.exitCode(Duration.ofSeconds(60)), authorize.output());
        }
        Path fetchLog = dir.resolve("fetch.log");
        try (ForkedMailfetch fetch = ForkedMailfetch.start(dir, fetchLog, Map.of("mailfetch.oauth2.mechanisms", "XOAUTH2"),
                List.of(), "account", "fetch", String.valueOf(a.id()))) {
            assertEquals(0, fetch.exitCode(Duration.ofSeconds(120)), fetch.output());
        }
        fixture = new MailfetchFixture(dir);
        assertEquals(1, fixture.delivered().size());
        assertEquals(0, dovecot.messageCount(mailUser));
        String printed = Files.readString(log) + Files.readString(fetchLog);
        TokenStore.Grant g = fixture.services().tokens().get(a.id()).orElseThrow();
        assertFalse(printed.contains(g.refreshToken()) || printed.contains(g.accessToken()), "a token was printed");
    }

    private int countLogins() {
        String tail = dovecot.logTail(2000);
        return (int) tail.lines().filter(l -> l.contains("Login: user=<alice>") || l.contains("auth failed")
                || l.contains("Disconnected (auth failed")).count();
    }

    /** Neither the current tokens nor any token the test saw may be in a log line or a data-dir file in clear. */
    private void noTokenInClear(Account a) throws IOException {
        TokenStore.Grant g = fixture.services().tokens().get(a.id()).orElseThrow();
        List<String> secrets = new ArrayList<>();
        if (g.accessToken() != null) {
            secrets.add(g.accessToken());
            secrets.add(g.accessToken().substring(0, 40)); // a token cut short is still a leak
        }
        if (g.refreshToken() != null) {
            secrets.add(g.refreshToken());
        }
        for (ILoggingEvent e : log.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            for (String s : secrets) {
                assertFalse(line.contains(s), "a token in a log line: " + e.getLoggerName());
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String s : secrets) {
                    assertFalse(content.contains(s), "a token in clear in " + f);
                }
            }
        }
    }
}
