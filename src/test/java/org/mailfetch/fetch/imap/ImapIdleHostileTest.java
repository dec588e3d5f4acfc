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
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A hostile server's IDLE connection (message 0, a huge EXISTS, a chain of {-1} and literal
 * announcements, an endless stream of small responses) fails that connection on the shared
 * IdleManager thread, while another account's IDLE (GreenMail) goes on delivering pushed mail.
 */
class ImapIdleHostileTest {

    private static final ImapOptions IDLE = new ImapOptions(List.of("INBOX"), null, false, true);
    /** Small valid responses without end, until the client hangs up. */
    private static final String ENDLESS = "endless";
    /** What the hostile server sends after "+ idling", one per connection, round and round. */
    private static final List<String> PAYLOADS = List.of(
            "* 0 EXPUNGE\r\n",
            "* 2147483000 EXISTS\r\n",
            "* OK x {-1}\r\n".repeat(50_000),
            ("* OK x {0}\r\n" + "* 1 FETCH (X {262000}\r\n" + "z".repeat(262_000) + " {262000}\r\n").repeat(20),
            ENDLESS);


    @TempDir
    Path dataDir;

    private ImapServer imap;
    private ImapServer.Mailbox remote;
    private MailfetchFixture fixture;
    private ServerSocket hostile;
    private final AtomicInteger idles = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        imap = new ImapServer();
        imap.user("bob", "secret");
        remote = imap.mailbox("bob", "secret");
        Properties p = new Properties();
        p.setProperty(IdleWatchers.BACKOFF_KEY, "1s");
        p.setProperty(IdleWatchers.BACKOFF_CAP_KEY, "2s");
        p.setProperty(IdleWatchers.READ_TIMEOUT_KEY, "5s");
        fixture = new MailfetchFixture(dataDir, p);
        hostile = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "hostile-idle");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        fixture.close();
        imap.close();
        hostile.close();
    }

    private void accept() {
        while (!hostile.isClosed()) {
            try {
                Socket c = hostile.accept();
                Thread t = new Thread(() -> {
                    try (c) {
                        c.setSoTimeout(30_000);
                        conversation(c);
                    } catch (IOException | RuntimeException e) {
                        // the client hung up, as it should
                    }
                }, "hostile-idle-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void conversation(Socket c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        write(out, "* OK [CAPABILITY IMAP4rev1 IDLE] scripted\r\n");
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.split(" ", 3);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            switch (command) {
                case "LOGIN" -> write(out, tag + " OK [CAPABILITY IMAP4rev1 IDLE] logged in\r\n");
                case "CAPABILITY" -> write(out, "* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + " OK\r\n");
                case "SELECT", "EXAMINE" -> write(out, "* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42]\r\n"
                        + "* OK [UIDNEXT 8]\r\n" + tag + " OK [READ-WRITE] selected\r\n");
                case "IDLE" -> {
                    int n = idles.getAndIncrement();
                    write(out, "+ idling\r\n");
                    String payload = PAYLOADS.get(n % PAYLOADS.size());
                    if (payload.equals(ENDLESS)) {
                        byte[] many = "* OK still here\r\n".repeat(1000).getBytes(StandardCharsets.ISO_8859_1);
                        for (;;) {
                            out.write(many); // until the client hangs up (IOException)
                        }
                    }
                    write(out, payload);
                }
                case "LOGOUT" -> {
                    write(out, "* BYE bye\r\n" + tag + " OK\r\n");
                    return;
                }
                default -> write(out, tag + " OK\r\n");
            }
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private boolean delivered(String subject) throws Exception {
        return fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject + "\n"));
    }

    @Test
    void aHostileIdleConnectionShouldFailAloneAndNotStopAnotherAccountsIdle() throws Exception {
        Account good = fixture.addImapAccount("bob", Security.NONE, imap.port(), null, "bob", "secret",
                DeleteMode.IMMEDIATELY, IDLE);
        Account evil = fixture.addImapAccount("evil", Security.NONE, hostile.getLocalPort(), null, "eve", "secret",
                DeleteMode.IMMEDIATELY, IDLE);
        try (FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            Eventually.await("IDLE live", Duration.ofSeconds(20), () -> fixture.services().status().get(good.id()).idleLive());
            Eventually.await("the first sessions ended", Duration.ofSeconds(60), () -> {
                var g = fixture.services().status().get(good.id());
                return g.lastEnd() != null && !g.running();
            });
            // every hostile payload, each on its own connection, reconnected after each failure; the last
            // (an endless stream of small responses) goes on while mail is pushed to the good account
            Eventually.await("all hostile payloads sent", Duration.ofSeconds(30), () -> idles.get() >= PAYLOADS.size());
            for (int i = 0; i < 3; i++) {
                String subject = remote.append("INBOX", "pushed " + i + "\n");
                long start = System.nanoTime();
                Eventually.await("pushed mail delivered", Duration.ofSeconds(10), () -> delivered(subject));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 8000, "delivered after " + millis + " ms");
            }
            assertEquals(3, fixture.delivered().size(), "each pushed message once, nothing from the hostile server");
            assertEquals(0, fixture.ledgerSize(evil.id()));
        }
    }
}
