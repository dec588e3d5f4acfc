package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.FetchContext;
import org.mailfetch.fetch.ServerException;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.OAuthSasl;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.LogCapture;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * IMAP AUTHENTICATE with an OAuth2 token through Angus, against a scripted server that checks the
 * decoded response bytes: XOAUTH2 and OAUTHBEARER, SASL-IR when offered, the error challenge
 * answered once (the token is never sent twice), a refusal as LOGIN_REFUSED and never a LOGIN.
 */
class ImapOAuthTest {

    static final String TOKEN = "ya29.imap-token_" + "0123456789abcdef".repeat(40);
    static final String USER = "bob@example.com";

    @TempDir
    Path dataDir;

    private ServerSocket listener;
    private MailfetchFixture fixture;
    private volatile String capabilities = "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER";
    private volatile String validToken = TOKEN;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<String> responses = new CopyOnWriteArrayList<>();
    private final List<String> challengeAnswers = new CopyOnWriteArrayList<>();
    private LogCapture logs;

    @BeforeEach
    void setUp() throws Exception {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket c = listener.accept()) {
                    c.setSoTimeout(10_000);
                    serve(c);
                } catch (IOException | RuntimeException e) {
                    // the client hung up
                }
            }
        }, "scripted-imap-oauth");
        t.setDaemon(true);
        t.start();
        fixture = new MailfetchFixture(dataDir);
        logs = new LogCapture();
    }

    @AfterEach
    void tearDown() throws IOException {
        logs.close();
        listener.close();
        fixture.close();
        logs.assertNeverLogged(TOKEN);
        assertTrue(commands.stream().noneMatch(c -> c.toUpperCase(Locale.ROOT).contains(" LOGIN ")), "never LOGIN: " + commands);
    }

    private void serve(Socket c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        write(out, "* OK [CAPABILITY " + capabilities + "] scripted\r\n");
        for (String line; (line = in.readLine()) != null; ) {
            commands.add(line);
            String[] words = line.split(" ", 4);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            switch (command) {
                case "CAPABILITY" -> write(out, "* CAPABILITY " + capabilities + "\r\n" + tag + " OK\r\n");
                case "AUTHENTICATE" -> {
                    String mechanism = words[2].toUpperCase(Locale.ROOT);
                    String response;
                    if (words.length > 3) {
                        response = words[3];
                    } else {
                        write(out, "+ \r\n");
                        response = in.readLine();
                    }
                    responses.add(mechanism + " " + response);
                    byte[] good = OAuthSasl.initialResponse(mechanism, USER, "127.0.0.1", listener.getLocalPort(), validToken);
                    if (Arrays.equals(Base64.getDecoder().decode(response), good)) {
                        write(out, tag + " OK [CAPABILITY IMAP4rev1] authenticated\r\n");
                    } else {
                        write(out, "+ " + Base64.getEncoder().encodeToString(
                                "{\"status\":\"401\",\"schemes\":\"bearer\"}".getBytes(StandardCharsets.US_ASCII)) + "\r\n");
                        challengeAnswers.add(in.readLine());
                        write(out, tag + " NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n");
                    }
                }
                case "LOGIN" -> write(out, tag + " NO no LOGIN here\r\n");
                case "SELECT", "EXAMINE" -> write(out, "* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42]\r\n"
                        + tag + " OK [READ-ONLY] selected\r\n");
                case "LOGOUT" -> {
                    write(out, "* BYE bye\r\n" + tag + " OK\r\n");
                    return;
                }
                default -> write(out, tag + " OK\r\n");
            }
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private void login(String... mechanisms) throws Exception {
        Account a = fixture.addImapAccount("oauth", Security.NONE, listener.getLocalPort(), null, USER, "unused",
                DeleteMode.NEVER, ImapOptions.DEFAULT);
        FetchContext context = FetchContext.from(fixture.services().settings(), Clock.systemUTC(), null, null);
        try (ImapRetriever r = ImapRetriever.connect(a, new Credential.Bearer(TOKEN, List.of(mechanisms)), context,
                System.nanoTime() + Duration.ofSeconds(20).toNanos(), ImapOptions.DEFAULT, fixture.services().ledger())) {
            assertEquals(List.of(), r.listing());
        }
    }

    private byte[] decoded(int i) {
        return Base64.getDecoder().decode(responses.get(i).split(" ", 2)[1]);
    }

    private long authenticateLines(String prefix) {
        return commands.stream().filter(c -> c.matches("^\\S+ (?i)AUTHENTICATE " + prefix + ".*")).count();
    }

    @Test
    void xoauth2ShouldUseSaslIrWhenOffered() throws Exception {
        login("XOAUTH2");
        assertEquals(1, authenticateLines("XOAUTH2 \\S+"), commands.toString());
        assertArrayEquals(OAuthSasl.xoauth2(USER, TOKEN), decoded(0));
        assertTrue(challengeAnswers.isEmpty());
    }

    @Test
    void oauthBearerShouldGoAfterTheContinuationWithoutSaslIr() throws Exception {
        capabilities = "IMAP4rev1 AUTH=XOAUTH2 AUTH=OAUTHBEARER";
        login("OAUTHBEARER", "XOAUTH2");
        assertEquals(1, authenticateLines("OAUTHBEARER$"), commands.toString());
        assertArrayEquals(("n,a=" + USER + ",\u0001host=127.0.0.1\u0001port=" + listener.getLocalPort() + "\u0001auth=Bearer "
                + TOKEN + "\u0001\u0001").getBytes(StandardCharsets.US_ASCII), decoded(0));
    }

    @Test
    void theServersOfferShouldDecideBetweenWantedMechanisms() throws Exception {
        capabilities = "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2";
        login("OAUTHBEARER", "XOAUTH2");
        assertEquals(1, authenticateLines("XOAUTH2 "), commands.toString());
        assertEquals(0, authenticateLines("OAUTHBEARER"), commands.toString());
    }

    @Test
    void aRefusedXoauth2TokenShouldBeLoginRefusedWithTheChallengeAnsweredEmpty() {
        validToken = "another";
        ServerException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ServerException.class, () -> login("XOAUTH2")));
        assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN));
        assertEquals(List.of(""), challengeAnswers, "an empty response, not the token again");
        assertEquals(1, responses.size());
    }

    @Test
    void aRefusedOauthBearerTokenShouldAnswerTheChallengeWithCtrlA() {
        validToken = "another";
        ServerException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ServerException.class, () -> login("OAUTHBEARER")));
        assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind(), e.getMessage());
        assertEquals(List.of("AQ=="), challengeAnswers);
    }

    @Test
    void noOfferedMechanismShouldBeARefusalWithoutAnyAuthentication() {
        capabilities = "IMAP4rev1 AUTH=PLAIN";
        ServerException e = assertThrows(ServerException.class, () -> login("XOAUTH2", "OAUTHBEARER"));
        assertEquals(ServerException.Kind.REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("PLAIN") && e.getMessage().contains("XOAUTH2"), e.getMessage());
        assertEquals(0, authenticateLines(""), commands.toString());
    }
}
