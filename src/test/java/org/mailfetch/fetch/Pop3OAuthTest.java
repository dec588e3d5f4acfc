package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.pop3.Pop3Client;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.OAuthSasl;
import org.mailfetch.mail.Security;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.LogCapture;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.ScriptedCredentials;

/**
 * POP3 AUTH with an OAuth2 token (RFC 5034, XOAUTH2 and OAUTHBEARER) against a server that, like
 * Microsoft's, takes a long token only in the two-step form, and checks the decoded response bytes.
 */
class Pop3OAuthTest {

    /** Over 255 octets once base64-encoded in a command line, as Microsoft's tokens are. */
    static final String LONG_TOKEN = "EwBwA8l6BAAU" + "abcdefghijklmnopqrstuvwxyz0123456789-._~+/".repeat(30) + "==";
    static final String SHORT_TOKEN = "ya29.short-token";
    static final String USER = "alice@example.com";
    static final String ERROR_JSON = "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.example/\"}";

    private ScriptedPop3 server;
    private final List<String> responses = new CopyOnWriteArrayList<>();
    private final List<String> challengeAnswers = new CopyOnWriteArrayList<>();
    private volatile boolean acceptInitialResponse;
    private volatile String validToken = LONG_TOKEN;
    private volatile String refusal = "-ERR [AUTH] authentication failed";
    private LogCapture logs;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3().add("u1", "hello", "body one");
        offer("SASL XOAUTH2 OAUTHBEARER");
        server.overrides.put("AUTH", (s, args, out) -> {
            String[] w = args.split(" ");
            String mechanism = w[0].toUpperCase();
            String response;
            if (w.length > 1) {
                if (!acceptInitialResponse) {
                    return ScriptedPop3.write(out, "-ERR initial response not accepted, use the continuation\r\n");
                }
                response = w[1];
            } else {
                ScriptedPop3.write(out, "+ \r\n");
                response = s.in.readLine();
            }
            responses.add(mechanism + " " + response);
            byte[] got = Base64.getDecoder().decode(response);
            byte[] good = OAuthSasl.initialResponse(mechanism, USER, "127.0.0.1", server.port(), validToken);
            if (java.util.Arrays.equals(got, good)) {
                return ScriptedPop3.write(out, "+OK welcome\r\n");
            }
            ScriptedPop3.write(out, "+ " + Base64.getEncoder().encodeToString(ERROR_JSON.getBytes(StandardCharsets.US_ASCII)) + "\r\n");
            challengeAnswers.add(s.in.readLine());
            return ScriptedPop3.write(out, refusal + "\r\n");
        });
        logs = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        logs.close();
        server.close();
        logs.assertNeverLogged(LONG_TOKEN.substring(12), SHORT_TOKEN, "Bearer");
        for (String line : server.received) {
            assertFalse(line.contains(LONG_TOKEN) || line.contains(SHORT_TOKEN), "a token went out in the clear: " + line);
        }
    }

    private void offer(String saslLine) {
        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\n" + saslLine + "\r\nUIDL\r\n.\r\n"));
    }

    private Pop3Client client() throws Exception {
        return Pop3Client.open(new Pop3Client.Endpoint("127.0.0.1", server.port(), Security.NONE, null, Duration.ofSeconds(5),
                Duration.ofSeconds(5)), System.nanoTime() + Duration.ofSeconds(20).toNanos());
    }

    private static Credential.Bearer bearer(String token, String... mechanisms) {
        return new Credential.Bearer(token, List.of(mechanisms));
    }

    private byte[] decodedResponse(int i) {
        return Base64.getDecoder().decode(responses.get(i).split(" ", 2)[1]);
    }

    @Test
    void longXoauth2TokenShouldGoAfterTheContinuationAndTheSessionFetch() throws Exception {
        try (Pop3Client c = client()) {
            c.login(USER, bearer(LONG_TOKEN, "XOAUTH2"));
            assertEquals(1, c.stat());
            assertEquals(List.of(new Pop3Client.Entry(1, "u1")), c.listing("UIDL", 1));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            c.retrieve(1, b, 1 << 20);
            assertTrue(b.toString(StandardCharsets.ISO_8859_1).contains("Subject: hello"));
        }
        assertTrue(server.received.contains("AUTH XOAUTH2"), server.received.toString());
        assertArrayEquals(("user=" + USER + "\u0001auth=Bearer " + LONG_TOKEN + "\u0001\u0001").getBytes(StandardCharsets.US_ASCII),
                decodedResponse(0));
        assertTrue(challengeAnswers.isEmpty());
    }

    @Test
    void shortTokenShouldGoAsTheInitialResponse() throws Exception {
        acceptInitialResponse = true;
        validToken = SHORT_TOKEN;
        try (Pop3Client c = client()) {
            c.login(USER, bearer(SHORT_TOKEN, "XOAUTH2"));
            assertEquals(1, c.stat());
        }
        String expected = "AUTH XOAUTH2 " + OAuthSasl.base64(OAuthSasl.xoauth2(USER, SHORT_TOKEN));
        assertTrue(expected.length() + 2 <= 255);
        assertTrue(server.received.contains(expected), server.received.toString());
        assertEquals(1, server.count("AUTH"));
    }

    @Test
    void oauthBearerShouldBeUsedWhenWantedFirstAndOffered() throws Exception {
        try (Pop3Client c = client()) {
            c.login("a,b=c", bearer(LONG_TOKEN, "OAUTHBEARER", "XOAUTH2"));
            failIfNotRefused();
        } catch (ServerException e) {
            // the user is not the one the server expects: the exchange is still checked below
            assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind());
        }
        assertTrue(server.received.contains("AUTH OAUTHBEARER"), server.received.toString());
        assertArrayEquals(("n,a=a=2Cb=3Dc,\u0001host=127.0.0.1\u0001port=" + server.port() + "\u0001auth=Bearer " + LONG_TOKEN
                + "\u0001\u0001").getBytes(StandardCharsets.US_ASCII), decodedResponse(0));
        assertEquals(List.of("AQ=="), challengeAnswers);
    }

    private static void failIfNotRefused() {
        throw new AssertionError("the login should have been refused");
    }

    @Test
    void oauthBearerShouldLogInWithTheRightUser() throws Exception {
        try (Pop3Client c = client()) {
            c.login(USER, bearer(LONG_TOKEN, "OAUTHBEARER"));
            assertEquals(1, c.stat());
        }
        assertTrue(responses.get(0).startsWith("OAUTHBEARER "));
    }

    @Test
    void theServersOfferShouldDecideBetweenWantedMechanisms() throws Exception {
        offer("SASL PLAIN XOAUTH2");
        try (Pop3Client c = client()) {
            c.login(USER, bearer(LONG_TOKEN, "OAUTHBEARER", "XOAUTH2"));
        }
        assertTrue(server.received.contains("AUTH XOAUTH2"), server.received.toString());
    }

    @Test
    void withoutCapaTheFirstWantedMechanismShouldBeTried() throws Exception {
        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "-ERR no CAPA here\r\n"));
        try (Pop3Client c = client()) {
            c.login(USER, bearer(LONG_TOKEN, "OAUTHBEARER", "XOAUTH2"));
        }
        assertTrue(server.received.contains("AUTH OAUTHBEARER"), server.received.toString());
    }

    @Test
    void noOfferedMechanismShouldBeAClearRefusalWithoutSendingTheToken() throws Exception {
        offer("SASL PLAIN LOGIN");
        try (Pop3Client c = client()) {
            ServerException e = assertThrows(ServerException.class, () -> c.login(USER, bearer(LONG_TOKEN, "XOAUTH2", "OAUTHBEARER")));
            assertEquals(ServerException.Kind.REFUSED, e.kind());
            assertTrue(e.getMessage().contains("PLAIN LOGIN") && e.getMessage().contains("XOAUTH2"), e.getMessage());
        }
        assertEquals(0, server.count("AUTH"));
    }

    @Test
    void aRefusedLongTokenShouldAnswerTheErrorChallengeAndEndAsLoginRefused() {
        validToken = "another-token";
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Pop3Client c = client()) {
                ServerException e = assertThrows(ServerException.class, () -> c.login(USER, bearer(LONG_TOKEN, "XOAUTH2")));
                assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind());
                assertFalse(e.getMessage().contains(LONG_TOKEN), e.getMessage());
            }
        });
        assertEquals(List.of(""), challengeAnswers, "XOAUTH2 answers the error challenge with an empty response");
    }

    @Test
    void aRefusedShortOauthBearerTokenShouldAnswerWithCtrlA() {
        acceptInitialResponse = true;
        validToken = "another-token";
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Pop3Client c = client()) {
                ServerException e = assertThrows(ServerException.class, () -> c.login(USER, bearer(SHORT_TOKEN, "OAUTHBEARER")));
                assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind());
                assertFalse(e.getMessage().contains(SHORT_TOKEN), e.getMessage());
            }
        });
        assertEquals(1, server.count("AUTH OAUTHBEARER "));
        assertEquals(List.of("AQ=="), challengeAnswers);
    }

    @Test
    void aMechanismRefusedBeforeTheTokenShouldBeARefusalNotALoginFailure() throws Exception {
        server.overrides.put("AUTH", (s, a, out) -> ScriptedPop3.write(out, "-ERR mechanism not enabled\r\n"));
        try (Pop3Client c = client()) {
            ServerException e = assertThrows(ServerException.class, () -> c.login(USER, bearer(LONG_TOKEN, "XOAUTH2")));
            assertEquals(ServerException.Kind.REFUSED, e.kind(), e.getMessage());
        }
        assertEquals(List.of("AUTH XOAUTH2"), server.received.subList(1, server.received.size()));
    }

    @Test
    void aTemporaryRefusalShouldStayTemporary() throws Exception {
        validToken = "another-token";
        refusal = "-ERR [SYS/TEMP] try later";
        try (Pop3Client c = client()) {
            ServerException e = assertThrows(ServerException.class, () -> c.login(USER, bearer(LONG_TOKEN, "XOAUTH2")));
            assertEquals(ServerException.Kind.TEMPORARY, e.kind());
        }
    }

    @Test
    void aTokenWithALineBreakShouldNeverBeSent() throws Exception {
        try (Pop3Client c = client()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.login(USER, bearer("abc\r\nDELE 1", "XOAUTH2")));
            assertFalse(e.getMessage().contains("DELE"), e.getMessage());
        }
        assertEquals(0, server.count("AUTH"));
        assertEquals(0, server.count("DELE"));
    }

    @TempDir
    Path dataDir;

    /** One session through the engine, as `account fetch` runs it, logging in with {@code credentials}. */
    private SessionSummary fetchWith(MailfetchFixture fixture, Account a, Credentials credentials) throws Exception {
        try (FetchEngine engine = new FetchEngine(fixture.services(), FetchEngine.Mode.SINGLE_SESSION, Clock.systemUTC(),
                credentials)) {
            engine.start();
            return engine.fetchOnce(a.id());
        }
    }

    @Test
    void aSessionShouldRefreshARefusedTokenOnceAndDeliver() throws Exception {
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            Account a = fixture.addAccount("oauth", server.port(), USER, "unused", DeleteMode.NEVER);
            ScriptedCredentials tokens = ScriptedCredentials.refreshing(bearer("stale" + LONG_TOKEN, "XOAUTH2"),
                    bearer(LONG_TOKEN, "XOAUTH2"));

            SessionSummary s = fetchWith(fixture, a, tokens);

            assertEquals(SessionSummary.Result.OK, s.result(), s.line());
            assertEquals(1, tokens.refusals.get());
            assertEquals(1, fixture.delivered().size());
            assertTrue(fixture.delivered().get(0).contains("Subject: hello"), fixture.delivered().get(0));
            assertEquals(List.of(""), challengeAnswers, "the stale token's error challenge answered");
            assertEquals(0, fixture.services().status().get(a.id()).loginFailures());
        }
    }

    @Test
    void aSessionNeedingAuthorizationShouldNotContactTheServer() throws Exception {
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            Account a = fixture.addAccount("oauth", server.port(), USER, "unused", DeleteMode.NEVER);

            SessionSummary s = fetchWith(fixture, a, ScriptedCredentials.needingAuthorization());

            assertEquals(SessionSummary.Result.NEEDS_AUTHORIZATION, s.result(), s.line());
            assertTrue(server.received.isEmpty(), server.received.toString());
            assertTrue(fixture.delivered().isEmpty());
        }
    }
}
