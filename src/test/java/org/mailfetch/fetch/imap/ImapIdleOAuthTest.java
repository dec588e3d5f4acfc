package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

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
import org.mailfetch.mail.OAuthSasl;
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

    private ServerSocket listener;
    private MailfetchFixture fixture;
    private IdleWatchers watchers;
    private LogCapture logs;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger idles = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket c = listener.accept();
                    connections.incrementAndGet();
                    Thread conn = new Thread(() -> {
                        try (c) {
                            c.setSoTimeout(30_000);
                            serve(c);
                        } catch (IOException | RuntimeException e) {
                            // the client hung up
                        }
                    }, "scripted-idle-oauth-conn");
                    conn.setDaemon(true);
                    conn.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "scripted-idle-oauth");
        t.setDaemon(true);
        t.start();
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
        listener.close();
    }

    private void serve(Socket c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        String caps = "IMAP4rev1 IDLE SASL-IR AUTH=XOAUTH2";
        write(out, "* OK [CAPABILITY " + caps + "] scripted\r\n");
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.split(" ", 4);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            switch (command) {
                case "CAPABILITY" -> write(out, "* CAPABILITY " + caps + "\r\n" + tag + " OK\r\n");
                case "AUTHENTICATE" -> {
                    byte[] fresh = OAuthSasl.xoauth2(USER, FRESH);
                    if (java.util.Arrays.equals(Base64.getDecoder().decode(words[3]), fresh)) {
                        write(out, tag + " OK [CAPABILITY " + caps + "] authenticated\r\n");
                    } else {
                        write(out, "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n");
                        in.readLine();
                        write(out, tag + " NO [AUTHENTICATIONFAILED] Invalid credentials\r\n");
                    }
                }
                case "SELECT", "EXAMINE" -> write(out, "* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42]\r\n"
                        + tag + " OK [READ-ONLY] selected\r\n");
                case "IDLE" -> {
                    idles.incrementAndGet();
                    write(out, "+ idling\r\n");
                }
                case "DONE" -> write(out, "");
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

    private Account watch(Credentials credentials) throws Exception {
        Account a = fixture.addImapAccount("idle-oauth", Security.NONE, listener.getLocalPort(), null, USER, "unused",
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
        assertEquals(2, connections.get(), "the refused connection and the one with the fresh token");
    }

    @Test
    void aTokenRefusedAgainShouldNotBeRefreshedInALoop() throws Exception {
        ScriptedCredentials tokens = ScriptedCredentials.refreshing(bearer(STALE), bearer("still.stale"));
        Account a = watch(tokens);

        Eventually.await("two refreshed attempts", Duration.ofSeconds(20), () -> tokens.refusals.get() >= 2);
        int logins = tokens.logins.get();
        assertTrue(tokens.refusals.get() <= logins, "at most one refresh per login, as the back-off paces them");
        assertTrue(connections.get() <= 2 * logins, connections.get() + " connections for " + logins + " logins");
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
        assertEquals(0, connections.get(), "no server contacted");
        assertEquals(0, idles.get());
    }
}
