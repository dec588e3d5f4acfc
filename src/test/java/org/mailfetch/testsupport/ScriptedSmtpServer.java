package org.mailfetch.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback SMTP server that answers every RCPT TO with one fixed reply (e.g. "550 5.1.1 no such
 * user" or "451 4.3.0 try later"), for the failures GreenMail cannot produce. Counts accepted DATA
 * and remembers every command line. It offers AUTH PLAIN but no STARTTLS: a client that logs in
 * here sends its password in the clear. It also answers LHLO, so it serves as an LMTP server (after
 * LHLO, one reply after DATA per accepted recipient). Counts connections, and can hang up after a
 * given message.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    private final ServerSocket server;
    private final java.util.function.Function<String, String> rcptReply;
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    /** Given the count of messages so far, whether to hang up right after answering that one's DATA. */
    public volatile java.util.function.IntPredicate hangUpAfterMessage = n -> false;
    private final java.util.List<String> verbs = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor;
    /** The AUTH mechanisms EHLO offers, and the reply to AUTH. */
    /** How long the store takes after the end of data before it answers (filing the message). */
    public volatile long replyDelayMillis;
    public volatile String authMechanisms = "PLAIN";
    public volatile String authReply = "235 2.7.0 accepted";

    public ScriptedSmtpServer(String rcptReply) throws IOException {
        this(line -> rcptReply);
    }

    /** Answers each RCPT line with what {@code rcptReply} gives for it (e.g. greylisting one recipient). */
    public ScriptedSmtpServer(java.util.function.Function<String, String> rcptReply) throws IOException {
        this.rcptReply = rcptReply;
        this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::serve, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Messages whose DATA was accepted. */
    public int messages() {
        return messages.get();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** The command verbs received, in order (EHLO, MAIL, AUTH, ...). */
    public java.util.List<String> verbs() {
        return java.util.List.copyOf(verbs);
    }

    /** The command lines received, in order, as the server read them (line by line; message data excluded). */
    public java.util.List<String> commands() {
        return java.util.List.copyOf(commands);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                connections.incrementAndGet();
                converse(s);
            } catch (IOException e) {
                // closed, or the client went away: next connection
            }
        }
    }

    private void converse(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        reply(out, "220 scripted ESMTP");
        boolean rcptOk = false;
        boolean lmtp = false;
        int accepted = 0;
        for (String line; (line = in.readLine()) != null; ) {
            String cmd = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
            verbs.add(cmd);
            commands.add(line);
            switch (cmd) {
                case "EHLO" -> {
                    out.write("250-scripted\r\n".getBytes(StandardCharsets.US_ASCII));
                    reply(out, "250 AUTH " + authMechanisms);
                }
                case "HELO", "LHLO" -> {
                    lmtp = cmd.equals("LHLO");
                    reply(out, "250 scripted");
                }
                case "AUTH" -> reply(out, authReply);
                case "MAIL", "RSET", "NOOP" -> {
                    rcptOk = cmd.equals("MAIL") ? false : rcptOk;
                    accepted = cmd.equals("NOOP") ? accepted : 0;
                    reply(out, "250 2.0.0 ok");
                }
                case "RCPT" -> {
                    String answer = rcptReply.apply(line);
                    rcptOk |= answer.startsWith("2");
                    accepted += answer.startsWith("2") ? 1 : 0;
                    reply(out, answer);
                }
                case "DATA" -> {
                    if (!rcptOk) {
                        reply(out, "554 5.5.1 no valid recipients");
                        break;
                    }
                    reply(out, "354 go ahead");
                    for (String data = in.readLine(); !".".equals(data); data = in.readLine()) {
                        if (data == null) {
                            return; // the client went away before the end of data: nothing delivered
                        }
                    }
                    int n = messages.incrementAndGet();
                    sleep(replyDelayMillis);
                    for (int i = 0; i < (lmtp ? accepted : 1); i++) {
                        reply(out, "250 2.0.0 queued");
                    }
                    accepted = 0;
                    rcptOk = false;
                    if (hangUpAfterMessage.test(n)) {
                        return;
                    }
                }
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return;
                }
                default -> reply(out, "500 5.5.2 unknown command");
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
