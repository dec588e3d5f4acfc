package org.mailfetch.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy in front of a POP3 server that injects the faults GreenMail cannot produce.
 * Each connection is relayed by two threads; the client-to-server thread counts the commands, the
 * server-to-client thread watches the response to the command the fault is armed for. A fault is
 * armed for the k-th occurrence of a command (counted per connection) and fires once; connections
 * after that are relayed untouched.
 * <ul>
 * <li>{@link #cutAfterResponse}: both sockets are closed right after the complete multi-line response
 * (ending in {@code CRLF . CRLF}) has been forwarded: the client holds the whole message.</li>
 * <li>{@link #cutDuringResponse}: both sockets are closed after the status line and a few bytes of
 * the response: the client holds half a message.</li>
 * <li>{@link #stallAt}: the k-th command is not forwarded and nothing more flows either way; the
 * sockets stay open until the client gives up or the proxy closes. The server never sees the
 * command. (Stall at the first DELE rather than at QUIT: GreenMail hides a DELEd message from
 * later sessions even when the deleting session never sends QUIT, unlike RFC 1939.)</li>
 * </ul>
 * {@link #delayResponses} slows every response to one command, for a long but healthy session.
 */
public final class FaultProxy implements AutoCloseable {

    /** Bytes of a response body forwarded before a mid-response cut. */
    private static final int MID_RESPONSE_BYTES = 40;
    private static final byte[] END_OF_MULTILINE = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);

    private enum Kind { NONE, CUT_AFTER, CUT_DURING, STALL }

    private final int targetPort;
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private volatile Kind kind = Kind.NONE;
    private volatile String faultCommand;
    private volatile int faultOccurrence;
    private volatile CountDownLatch fired = new CountDownLatch(1);
    private volatile String delayedCommand;
    private final java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile long delayMillis;
    /** Counted down when a command whose responses are delayed has been passed on to the server. */
    private final CountDownLatch delayedSent = new CountDownLatch(1);

    /** IMAP: commands are counted by what follows the tag ("UID FETCH", "SELECT"), not by their first word. */
    private volatile boolean imap;
    /** IMAP capabilities removed from every response, as a server without them would answer. */
    private final java.util.Set<String> hiddenCapabilities = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A proxy in front of an IMAP server: arm faults with "UID FETCH", "EXPUNGE" and the like. */
    public static FaultProxy imap(int targetPort) throws IOException {
        FaultProxy proxy = new FaultProxy(targetPort);
        proxy.imap = true;
        return proxy;
    }

    /**
     * IMAP: leaves {@code capability} (e.g. UIDPLUS, MOVE) out of what the server announces. Only for
     * test mail that does not contain the word itself.
     */
    public FaultProxy hideCapability(String capability) {
        hiddenCapabilities.add(capability.toUpperCase(Locale.ROOT));
        return this;
    }

    public FaultProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Closes both connections once the complete response to the k-th {@code command} has been forwarded. */
    public FaultProxy cutAfterResponse(String command, int k) {
        return arm(Kind.CUT_AFTER, command, k);
    }

    /** Closes both connections in the middle of the response to the k-th {@code command}. */
    public FaultProxy cutDuringResponse(String command, int k) {
        return arm(Kind.CUT_DURING, command, k);
    }

    /** Holds the k-th {@code command} and everything after it: the client waits until its read timeout. */
    public FaultProxy stallAt(String command, int k) {
        return arm(Kind.STALL, command, k);
    }

    /** Delays the start of every response to {@code command} (on every connection) by {@code delay}. */
    public FaultProxy delayResponses(String command, Duration delay) {
        delayedCommand = command.toUpperCase(Locale.ROOT);
        delayMillis = delay.toMillis();
        return this;
    }

    /** Answers {@code command} with -ERR itself, as a server without that command would (e.g. UIDL). */
    public FaultProxy refuse(String command) {
        refused.add(command.toUpperCase(Locale.ROOT));
        return this;
    }

    private FaultProxy arm(Kind k, String command, int occurrence) {
        fired = new CountDownLatch(1);
        faultCommand = command.toUpperCase(Locale.ROOT);
        faultOccurrence = occurrence;
        kind = k;
        return this;
    }

    /** Waits until the armed fault has happened (for a stall: until the command is held). */
    public boolean awaitFault(Duration timeout) throws InterruptedException {
        return fired.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until a command given to {@link #delayResponses} has been sent on: its response is being held. */
    public boolean awaitDelayedCommand(Duration timeout) throws InterruptedException {
        return delayedSent.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean faultHappened() {
        return fired.getCount() == 0;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                // forwarding splits writes differently: Nagle plus delayed ACK would add 40 ms per response
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                new Connection(client, server).start();
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    System.err.println("fault proxy: " + e);
                }
            }
        }
    }

    /** One relayed connection. The fault it carries is taken when it opens: it fires on this connection or not at all. */
    private final class Connection {
        final Socket client;
        final Socket server;
        final Kind fault;
        final String command;
        final int occurrence;
        final CountDownLatch firedLatch;
        /** Set by the client-to-server thread before it forwards a command; read by the other thread. */
        volatile boolean awaitingFaultResponse;
        volatile boolean awaitingDelayedResponse;
        volatile boolean stalled;

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
            this.fault = kind;
            this.command = faultCommand;
            this.occurrence = faultOccurrence;
            this.firedLatch = fired;
        }

        void start() {
            thread(this::clientToServer, "fault-proxy-c2s").start();
            thread(this::serverToClient, "fault-proxy-s2c").start();
        }

        private Thread thread(Runnable r, String name) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }

        /** Forwards commands line by line, counting the armed command. */
        private void clientToServer() {
            int seen = 0;
            StringBuilder line = new StringBuilder();
            try {
                InputStream in = client.getInputStream();
                OutputStream out = server.getOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    line.append((char) b);
                    if (b != '\n') {
                        continue;
                    }
                    String verb = imap ? imapVerb(line) : verb(line);
                    if (refused.contains(verb)) {
                        OutputStream toClient = client.getOutputStream();
                        toClient.write("-ERR command not supported\r\n".getBytes(StandardCharsets.US_ASCII));
                        toClient.flush();
                        line.setLength(0);
                        continue;
                    }
                    if (fault != Kind.NONE && verb.equals(command) && ++seen == occurrence && firstToFire()) {
                        if (fault == Kind.STALL) {
                            stalled = true;
                            firedLatch.countDown();
                            return; // the sockets stay open; nothing more is forwarded
                        }
                        awaitingFaultResponse = true;
                    }
                    if (verb.equals(delayedCommand)) {
                        awaitingDelayedResponse = true;
                        delayedSent.countDown();
                    }
                    out.write(line.toString().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    line.setLength(0);
                }
                closeBoth(); // the client went away
            } catch (IOException e) {
                closeBoth();
            }
        }

        /** A fault fires on the first connection that reaches it, then the proxy is disarmed. */
        private boolean firstToFire() {
            synchronized (FaultProxy.this) {
                if (kind == Kind.NONE || firedLatch.getCount() == 0) {
                    return false;
                }
                kind = Kind.NONE;
                return true;
            }
        }

        /** Forwards responses; inside the watched response it counts towards the cut. */
        private void serverToClient() {
            byte[] buf = new byte[8192];
            int matched = 0;        // how much of CRLF.CRLF the watched response has ended with
            long bodyBytes = -1;    // bytes after the status line of the watched response, -1 before it ends
            try {
                InputStream in = server.getInputStream();
                OutputStream out = client.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (stalled) {
                        return;
                    }
                    if (!hiddenCapabilities.isEmpty()) {
                        byte[] edited = withoutHidden(buf, n);
                        System.arraycopy(edited, 0, buf, 0, edited.length);
                        n = edited.length;
                    }
                    if (awaitingDelayedResponse) {
                        awaitingDelayedResponse = false;
                        sleep(delayMillis);
                    }
                    if (!awaitingFaultResponse) {
                        out.write(buf, 0, n);
                        out.flush();
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        byte b = buf[i];
                        if (fault == Kind.CUT_DURING && bodyBytes >= MID_RESPONSE_BYTES) {
                            out.write(buf, 0, i);
                            out.flush();
                            cut();
                            return;
                        }
                        if (bodyBytes >= 0) {
                            bodyBytes++;
                        } else if (b == '\n') {
                            bodyBytes = 0;
                        }
                        matched = b == END_OF_MULTILINE[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
                        if (matched == END_OF_MULTILINE.length) {
                            if (fault == Kind.CUT_DURING) {
                                // a short message: cut before its last byte, the terminator stays incomplete
                                out.write(buf, 0, i);
                            } else {
                                out.write(buf, 0, i + 1);
                            }
                            out.flush();
                            cut();
                            return;
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
                closeBoth();
            } catch (IOException e) {
                closeBoth();
            }
        }

        private void cut() {
            closeBoth();
            firedLatch.countDown();
        }

        private void closeBoth() {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private byte[] withoutHidden(byte[] buf, int n) {
        String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        for (String c : hiddenCapabilities) {
            text = text.replace(" " + c + " ", " ").replace(" " + c + "]", "]").replace(" " + c + "\r", "\r");
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The IMAP command after the tag; "UID FETCH", "UID STORE" … for UID commands. */
    private static String imapVerb(CharSequence line) {
        String[] words = line.toString().strip().split(" ", 4);
        if (words.length < 2) {
            return "";
        }
        String verb = words[1].toUpperCase(Locale.ROOT);
        return verb.equals("UID") && words.length > 2 ? "UID " + words[2].toUpperCase(Locale.ROOT) : verb;
    }

    private static String verb(CharSequence line) {
        String s = line.toString().strip();
        int space = s.indexOf(' ');
        return (space < 0 ? s : s.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Closes the listener and every relayed connection, stalled ones included. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    /** Ends every open relayed connection now, as a crashed network would. */
    public void dropConnections() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }
}
