package org.mailfetch.fetch.imap;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.mailfetch.mail.OAuthSasl;

/**
 * A loopback IMAP server for OAuth2 logins: AUTHENTICATE XOAUTH2 / OAUTHBEARER with or without an
 * initial response, the decoded response compared byte for byte with what {@code user} and
 * {@link #validToken} must give, and a refusal as servers do it (error challenge, then NO
 * [AUTHENTICATIONFAILED]). An empty INBOX, and IDLE. Records commands, responses and the answers
 * to error challenges; LOGIN is always refused.
 */
final class ScriptedOAuthImap implements AutoCloseable {

    volatile String capabilities;
    volatile String validToken;
    final List<String> commands = new CopyOnWriteArrayList<>();
    final List<String> responses = new CopyOnWriteArrayList<>();
    final List<String> challengeAnswers = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger idles = new AtomicInteger();
    private final String user;
    private final ServerSocket listener;

    ScriptedOAuthImap(String user, String capabilities, String validToken) throws IOException {
        this.user = user;
        this.capabilities = capabilities;
        this.validToken = validToken;
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "scripted-oauth-imap");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
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
                }, "scripted-oauth-imap-conn");
                conn.setDaemon(true);
                conn.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        write(out, "* OK [CAPABILITY " + capabilities + "] scripted\r\n");
        String idling = null;
        for (String line; (line = in.readLine()) != null; ) {
            commands.add(line);
            if (idling != null && line.equalsIgnoreCase("DONE")) {
                write(out, idling + " OK idle done\r\n");
                idling = null;
                continue;
            }
            String[] words = line.split(" ", 4);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            switch (command) {
                case "CAPABILITY" -> write(out, "* CAPABILITY " + capabilities + "\r\n" + tag + " OK\r\n");
                case "AUTHENTICATE" -> authenticate(in, out, tag, words);
                case "LOGIN" -> write(out, tag + " NO no LOGIN here\r\n");
                case "SELECT", "EXAMINE" -> write(out, "* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42]\r\n"
                        + tag + " OK [READ-ONLY] selected\r\n");
                case "IDLE" -> {
                    idles.incrementAndGet();
                    idling = tag;
                    write(out, "+ idling\r\n");
                }
                case "LOGOUT" -> {
                    write(out, "* BYE bye\r\n" + tag + " OK\r\n");
                    return;
                }
                default -> write(out, tag + " OK\r\n");
            }
        }
    }

    private void authenticate(BufferedReader in, OutputStream out, String tag, String[] words) throws IOException {
        String mechanism = words[2].toUpperCase(Locale.ROOT);
        String response;
        if (words.length > 3) {
            response = words[3];
        } else {
            write(out, "+ \r\n");
            response = in.readLine();
        }
        responses.add(mechanism + " " + response);
        byte[] good = OAuthSasl.initialResponse(mechanism, user, "127.0.0.1", port(), validToken);
        if (Arrays.equals(Base64.getDecoder().decode(response), good)) {
            write(out, tag + " OK [CAPABILITY " + capabilities + "] authenticated\r\n");
            return;
        }
        write(out, "+ " + Base64.getEncoder().encodeToString(
                "{\"status\":\"401\",\"schemes\":\"bearer\"}".getBytes(StandardCharsets.US_ASCII)) + "\r\n");
        challengeAnswers.add(in.readLine());
        write(out, tag + " NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n");
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
