package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.FetchContext;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.Credentials;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.LogCapture;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.ScriptedCredentials;

/** The IDLE connection with an OAuth2 token: a refused token refreshed once, an account needing authorization left alone. */
class ImapIdleOAuthTest {

    static final String USER = "bob@example.com";
    static final String STALE = "stale.token";
    static final String FRESH = "fresh.token";

    @TempDir
    Path dataDir;

    private ScriptedOAuthImap server;
    private MailfetchFixture fixture;
    private IdleWatchers watchers;
    private LogCapture logs;

    @BeforeEach
    void setUp() throws IOException {
        server = new ScriptedOAuthImap(USER, "IMAP4rev1 IDLE SASL-IR AUTH=XOAUTH2", FRESH);
        Properties p = new Properties();
        p.setProperty(IdleWatchers.BACKOFF_KEY, "1s");
        p.setProperty(IdleWatchers.BACKOFF_CAP_KEY, "1s");
        p.setProperty(IdleWatchers.READ_TIMEOUT_KEY, "5s");
        fixture = new MailfetchFixture(dataDir, p);
        logs = new LogCapture();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (watchers != null) {
            watchers.close();
        }
        logs.close();
        logs.assertNeverLogged(STALE, FRESH);
        fixture.close();
        server.close();
    }

    private Account watch(Credentials credentials) throws Exception {
        Account a = fixture.addImapAccount("idle-oauth", Security.NONE, server.port(), null, USER, "unused",
                DeleteMode.NEVER, new ImapOptions(List.of("INBOX"), null, false, true));
        var services = fixture.services();
        watchers = new IdleWatchers(credentials, services.imapOptions(), services.status(),
                FetchContext.from(services.settings(), Clock.systemUTC(), null, null),
                IdleWatchers.Config.from(services.settings()), id -> { });
        watchers.start();
        watchers.update(List.of(a));
        return a;
    }

    private static Credential.Bearer bearer(String token) {
        return new Credential.Bearer(token, List.of("XOAUTH2"));
    }

    @Test
    void aRefusedTokenShouldBeRefreshedOnceAndTheWatchGoLive() throws Exception {
        ScriptedCredentials tokens = ScriptedCredentials.refreshing(bearer(STALE), bearer(FRESH));
        Account a = watch(tokens);

        Eventually.await("IDLE live", Duration.ofSeconds(20), () -> watchers.live(a.id()));
        assertEquals(1, tokens.logins.get());
        assertEquals(1, tokens.refusals.get());
        assertEquals(2, server.connections.get(), "the refused connection and the one with the fresh token");
    }

    @Test
    void aTokenRefusedAgainShouldNotBeRefreshedInALoop() throws Exception {
        ScriptedCredentials tokens = ScriptedCredentials.refreshing(bearer(STALE), bearer("still.stale"));
        Account a = watch(tokens);

        Eventually.await("two refreshed attempts", Duration.ofSeconds(20), () -> tokens.refusals.get() >= 2);
        int logins = tokens.logins.get();
        assertTrue(tokens.refusals.get() <= logins, "at most one refresh per login, as the back-off paces them");
        assertTrue(server.connections.get() <= 2 * logins, server.connections.get() + " connections for " + logins + " logins");
        assertTrue(fixture.services().status().get(a.id()).idleNote().contains("login refused"),
                fixture.services().status().get(a.id()).idleNote());
    }

    @Test
    void anAccountThatNeedsAuthorizationShouldNotBeWatchedNorRetried() throws Exception {
        ScriptedCredentials tokens = ScriptedCredentials.needingAuthorization();
        Account a = watch(tokens);

        Eventually.await("the status says so", Duration.ofSeconds(10), () -> {
            String note = fixture.services().status().get(a.id()).idleNote();
            return note != null && note.contains("needs authorization");
        });
        Thread.sleep(2500); // longer than the back-off: no reconnect may come
        assertEquals(1, tokens.logins.get());
        assertEquals(0, server.connections.get(), "no server contacted");
        assertEquals(0, server.idles.get());
    }
}
