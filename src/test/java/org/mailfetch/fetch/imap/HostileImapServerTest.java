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
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A scripted IMAP server that behaves until the body FETCH, and then announces a 2 GB literal,
 * sends an endless line, or the body of a UID nobody asked for. Angus Mail alone would allocate the
 * literal or grow its buffer until the heap is gone; the session must instead fail that message
 * quickly with a clear error, deliver nothing and delete nothing.
 */
class HostileImapServerTest {

    @TempDir
    Path dataDir;

    private ServerSocket listener;
    private MailfetchFixture fixture;

    @AfterEach
    void tearDown() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aTwoGigabyteLiteralShouldFailTheMessageWithoutAllocatingIt() throws Exception {
        SessionSummary s = fetchWithBody(out -> write(out, "* 1 FETCH (UID 7 BODY[]<0> {2000000000}\r\nFrom: x\r\n"));

        assertEquals(0, s.delivered(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertTrue(s.line().contains("a literal of 2000000000 bytes"), s.line());
    }

    @Test
    void anEndlessLineShouldBeCutAtTheResponseLimit() throws Exception {
        SessionSummary s = fetchWithBody(out -> {
            write(out, "* OK ");
            String junk = "y".repeat(65536);
            for (int i = 0; i < 1000; i++) { // 64 MB unless cut off
                write(out, junk);
            }
        });

        assertEquals(0, s.delivered(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertTrue(s.line().contains("a response longer than"), s.line());
    }

    @Test
    void theBodyOfAnUnrequestedUidShouldNotBeDelivered() throws Exception {
        String body = "From: x\r\nSubject: not the one asked for\r\n\r\nhi\r\n";
        SessionSummary s = fetchWithBody(out -> write(out, "* 1 FETCH (UID 99 BODY[]<0> {" + body.length() + "}\r\n"
                + body + ")\r\n"));

        assertEquals(0, s.delivered(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertTrue(s.line().contains("the body of UID 99"), s.line());
    }

    /** One session against a server that answers the body FETCH with {@code body}, then its tagged OK. */
    private SessionSummary fetchWithBody(Consumer<OutputStream> body) throws Exception {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread server = new Thread(() -> serve(body), "hostile-imap");
        server.setDaemon(true);
        server.start();
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "5s");
        fixture = new MailfetchFixture(dataDir, p);
        Account a = fixture.addImapAccount("hostile", Security.NONE, listener.getLocalPort(), null, "bob", "secret",
                DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);
        Instant start = Instant.now();
        SessionSummary s = fixture.fetch(a.id());
        assertTrue(Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(5)) < 0,
                "the session must not wait for the announced bytes: " + s.line());
        assertEquals(0, fixture.ledgerSize(a.id()));
        assertEquals(0, fixture.delivered().size());
        return s;
    }

    private void serve(Consumer<OutputStream> body) {
        while (!listener.isClosed()) {
            try (Socket c = listener.accept()) {
                c.setSoTimeout(10_000);
                conversation(c, body);
            } catch (IOException | RuntimeException e) {
                // the client hung up (as it should, after a hostile answer)
            }
        }
    }

    private static void conversation(Socket c, Consumer<OutputStream> body) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        write(out, "* OK [CAPABILITY IMAP4rev1] scripted\r\n");
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.split(" ", 3);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            String rest = words.length > 2 ? words[2] : "";
            switch (command) {
                case "LOGIN" -> write(out, tag + " OK [CAPABILITY IMAP4rev1] logged in\r\n");
                case "CAPABILITY" -> write(out, "* CAPABILITY IMAP4rev1\r\n" + tag + " OK\r\n");
                case "SELECT", "EXAMINE" -> write(out, "* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42]\r\n"
                        + "* OK [UIDNEXT 8]\r\n" + tag + " OK [READ-WRITE] selected\r\n");
                case "FETCH" -> {
                    if (rest.contains("HEADER.FIELDS")) {
                        String header = "Message-ID: <m1@example.org>\r\n\r\n";
                        write(out, "* 1 FETCH (BODY[HEADER.FIELDS (Message-ID)] {" + header.length() + "}\r\n"
                                + header + ")\r\n");
                    } else {
                        write(out, "* 1 FETCH (UID 7 RFC822.SIZE 60 INTERNALDATE \"01-Jan-2024 00:00:00 +0000\")\r\n");
                    }
                    write(out, tag + " OK fetched\r\n");
                }
                case "UID" -> {
                    if (rest.toUpperCase(Locale.ROOT).startsWith("FETCH") && rest.contains("BODY.PEEK[]")) {
                        body.accept(out);
                    }
                    write(out, tag + " OK done\r\n");
                }
                case "LOGOUT" -> {
                    write(out, "* BYE bye\r\n" + tag + " OK\r\n");
                    return;
                }
                default -> write(out, tag + " OK\r\n");
            }
        }
    }

    private static void write(OutputStream out, String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
