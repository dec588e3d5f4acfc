package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.OAuthSasl;
import org.mailfetch.recipient.SmtpRoute;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/** An SMTP route logging in with an OAuth2 token: AUTH XOAUTH2 with the right bytes, and nothing else. */
class SmtpOAuthTest {

    static final String TOKEN = "ya29.smtp-token_" + "abcdefghij".repeat(60);
    static final String USER = "relay@routed.example";

    @TempDir
    Path dir;

    private ScriptedSmtpServer relay;
    private SmtpRoute route;
    private Path file;
    private SmtpSender sender;

    @BeforeEach
    void setUp() throws Exception {
        relay = new ScriptedSmtpServer("250 2.1.5 ok");
        relay.authMechanisms = "PLAIN LOGIN XOAUTH2";
        route = new SmtpRoute("routed.example", "127.0.0.1", relay.port(), false, USER, true);
        file = Files.writeString(dir.resolve("m.eml"), "From: a@example.org\nSubject: x\n\nbody\n");
        Properties plaintextRelay = new Properties();
        // the scripted relay has no STARTTLS; in production a route with credentials requires it
        plaintextRelay.setProperty("mail.smtp.starttls.required", "false");
        sender = new SmtpSender(Duration.ofSeconds(5), plaintextRelay);
    }

    @AfterEach
    void tearDown() throws Exception {
        relay.close();
    }

    private Map<String, SmtpSender.Result> send(Credential credential) {
        return sender.send(route, credential, file, "a@example.org", List.of("zoe@routed.example"));
    }

    private List<String> authLines() {
        return relay.commands().stream().filter(c -> c.startsWith("AUTH")).toList();
    }

    @Test
    void aBearerTokenShouldGoAsXoauth2WithTheRightBytes() {
        Map<String, SmtpSender.Result> results = send(new Credential.Bearer(TOKEN, List.of("OAUTHBEARER", "XOAUTH2")));

        assertEquals(SmtpSender.Outcome.SENT, results.get("zoe@routed.example").outcome(), results.toString());
        List<String> auth = authLines();
        assertEquals(1, auth.size(), auth.toString());
        assertTrue(auth.get(0).startsWith("AUTH XOAUTH2 "), auth.get(0));
        assertArrayEquals(OAuthSasl.xoauth2(USER, TOKEN), Base64.getDecoder().decode(auth.get(0).substring(13)));
        assertEquals(1, relay.messages());
    }

    @Test
    void aPasswordShouldStillGoAsBefore() {
        Map<String, SmtpSender.Result> results = send(new Credential.Password("secret"));

        assertEquals(SmtpSender.Outcome.SENT, results.get("zoe@routed.example").outcome(), results.toString());
        assertFalse(authLines().isEmpty());
        assertTrue(authLines().stream().noneMatch(l -> l.startsWith("AUTH XOAUTH2")), authLines().toString());
    }

    @Test
    void aTokenOnlyForOauthBearerShouldNotBeSentAtAll() {
        Map<String, SmtpSender.Result> results = send(new Credential.Bearer(TOKEN, List.of("OAUTHBEARER")));

        SmtpSender.Result r = results.get("zoe@routed.example");
        assertEquals(SmtpSender.Outcome.TEMPORARY, r.outcome());
        assertTrue(r.reply().contains("XOAUTH2 only"), r.reply());
        assertTrue(relay.commands().isEmpty(), relay.commands().toString());
    }

    @Test
    void aRefusedTokenShouldKeepTheMailQueuedWithoutTheTokenInTheReason() {
        relay.authReply = "535 5.7.8 Username and Password not accepted";
        Map<String, SmtpSender.Result> results = send(new Credential.Bearer(TOKEN, List.of("XOAUTH2")));

        SmtpSender.Result r = results.get("zoe@routed.example");
        assertEquals(SmtpSender.Outcome.TEMPORARY, r.outcome());
        assertFalse(r.reply().contains(TOKEN), r.reply());
        assertEquals(0, relay.messages());
    }
}
