package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

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

    private ScriptedOAuthImap server;
    private MailfetchFixture fixture;
    private LogCapture logs;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedOAuthImap(USER, "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER", TOKEN);
        fixture = new MailfetchFixture(dataDir);
        logs = new LogCapture();
    }

    @AfterEach
    void tearDown() throws IOException {
        logs.close();
        server.close();
        fixture.close();
        logs.assertNeverLogged(TOKEN);
        assertTrue(server.commands.stream().noneMatch(c -> c.toUpperCase(Locale.ROOT).contains(" LOGIN ")),
                "never LOGIN: " + server.commands);
    }

    private void login(String... mechanisms) throws Exception {
        Account a = fixture.addImapAccount("oauth", Security.NONE, server.port(), null, USER, "unused",
                DeleteMode.NEVER, ImapOptions.DEFAULT);
        FetchContext context = FetchContext.from(fixture.services().settings(), Clock.systemUTC(), null, null);
        try (ImapRetriever r = ImapRetriever.connect(a, new Credential.Bearer(TOKEN, List.of(mechanisms)), context,
                System.nanoTime() + Duration.ofSeconds(20).toNanos(), ImapOptions.DEFAULT, fixture.services().ledger())) {
            assertEquals(List.of(), r.listing());
        }
    }

    private byte[] decoded(int i) {
        return Base64.getDecoder().decode(server.responses.get(i).split(" ", 2)[1]);
    }

    private long authenticateLines(String prefix) {
        return server.commands.stream().filter(c -> c.matches("^\\S+ (?i)AUTHENTICATE " + prefix + ".*")).count();
    }

    @Test
    void xoauth2ShouldUseSaslIrWhenOffered() throws Exception {
        login("XOAUTH2");
        assertEquals(1, authenticateLines("XOAUTH2 \\S+"), server.commands.toString());
        assertArrayEquals(OAuthSasl.xoauth2(USER, TOKEN), decoded(0));
        assertTrue(server.challengeAnswers.isEmpty());
    }

    @Test
    void oauthBearerShouldGoAfterTheContinuationWithoutSaslIr() throws Exception {
        server.capabilities = "IMAP4rev1 AUTH=XOAUTH2 AUTH=OAUTHBEARER";
        login("OAUTHBEARER", "XOAUTH2");
        assertEquals(1, authenticateLines("OAUTHBEARER$"), server.commands.toString());
        assertArrayEquals(("n,a=" + USER + ",\u0001host=127.0.0.1\u0001port=" + server.port() + "\u0001auth=Bearer "
                + TOKEN + "\u0001\u0001").getBytes(StandardCharsets.US_ASCII), decoded(0));
    }

    @Test
    void theServersOfferShouldDecideBetweenWantedMechanisms() throws Exception {
        server.capabilities = "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2";
        login("OAUTHBEARER", "XOAUTH2");
        assertEquals(1, authenticateLines("XOAUTH2 "), server.commands.toString());
        assertEquals(0, authenticateLines("OAUTHBEARER"), server.commands.toString());
    }

    @Test
    void aRefusedXoauth2TokenShouldBeLoginRefusedWithTheChallengeAnsweredEmpty() {
        server.validToken = "another";
        ServerException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ServerException.class, () -> login("XOAUTH2")));
        assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN));
        assertEquals(List.of(""), server.challengeAnswers, "an empty response, not the token again");
        assertEquals(1, server.responses.size());
    }

    @Test
    void aRefusedOauthBearerTokenShouldAnswerTheChallengeWithCtrlA() {
        server.validToken = "another";
        ServerException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ServerException.class, () -> login("OAUTHBEARER")));
        assertEquals(ServerException.Kind.LOGIN_REFUSED, e.kind(), e.getMessage());
        assertEquals(List.of("AQ=="), server.challengeAnswers);
    }

    @Test
    void noOfferedMechanismShouldBeARefusalWithoutAnyAuthentication() {
        server.capabilities = "IMAP4rev1 AUTH=PLAIN";
        ServerException e = assertThrows(ServerException.class, () -> login("XOAUTH2", "OAUTHBEARER"));
        assertEquals(ServerException.Kind.REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("PLAIN") && e.getMessage().contains("XOAUTH2"), e.getMessage());
        assertEquals(0, authenticateLines(""), server.commands.toString());
    }
}
