package org.mailfetch.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.mailfetch.testsupport.Pop3Scenario.Fault;
import org.mailfetch.testsupport.Pop3Scenario.Message;
import org.mailfetch.testsupport.Pop3Scenario.Quirk;

/**
 * A POP3 server (RFC 1939, plain TCP on a free 127.0.0.1 port) that misbehaves as its
 * {@link Pop3Scenario} says, for tests of what a fetcher does with a hostile or broken server.
 * <p>
 * It keeps real state: the maildrop outlives connections, a DELE takes effect only at a QUIT that is
 * answered +OK, and every connection sees the messages as they were at its login. It records what the
 * client sent, byte for byte ({@link #commands()}), which messages it asked to delete
 * ({@link #deleRequested()}) and which the server really removed ({@link #removed()}), so that
 * "nothing lost, nothing twice, nothing deleted undelivered" can be checked from outside.
 * <p>
 * Everything is bounded so that a test never hangs on the server: "endless" replies stop after
 * {@link #ENDLESS_CAP} bytes and then drop the connection, an idle connection is dropped after a
 * minute, and {@link #close()} closes every socket and stops every thread (a slow-loris sleeper too).
 */
public final class HostilePop3Server implements AutoCloseable {

    public static final String USER = "bob";
    public static final String PASSWORD = "secret";
    /**
     * Where an "endless" line or listing gives up and drops the connection: far beyond any sane bound,
     * yet small enough that a client which buffers it all does not take the test JVM down.
     */
    public static final long ENDLESS_CAP = 64L << 20;
    /** How much more than its LIST size an {@link Quirk#INFLATED} message streams. */
    public static final long INFLATED_BYTES = 32L << 20;
    public static final String STAT_HUGE_COUNT = "2147483647";

    private static final int IDLE_MILLIS = 60_000;
    private static final int MAX_COMMAND_BYTES = 4096;

    private final Pop3Scenario scenario;
    private final ServerSocket listener;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** The maildrop: messages that have arrived and were not removed at a QUIT. Guarded by itself. */
    private final List<Message> maildrop = new ArrayList<>();
    private final List<String> commands = Collections.synchronizedList(new ArrayList<>());
    private final List<String> deleRequested = Collections.synchronizedList(new ArrayList<>());
    private final List<String> removed = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong longestReply = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean healed;

    public HostilePop3Server(Pop3Scenario scenario) throws IOException {
        this.scenario = scenario;
        arrive(0);
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AtomicInteger n = new AtomicInteger();
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-pop3-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public Pop3Scenario scenario() {
        return scenario;
    }

    /** From the next connection on, the server's {@link Fault} is gone; the messages keep their quirks. */
    public void heal() {
        healed = true;
    }

    /** Lets the messages that arrive after the test's k-th session into the maildrop. */
    public void sessionEnded(int k) {
        arrive(k);
    }

    private void arrive(int afterSession) {
        synchronized (maildrop) {
            scenario.messages().stream().filter(m -> m.arrivesAfterSession() == afterSession).forEach(maildrop::add);
        }
    }

    /** Subjects of the messages on the server now. */
    public List<String> remaining() {
        synchronized (maildrop) {
            return maildrop.stream().map(Message::subject).toList();
        }
    }

    /** Every command line the client sent, in order over all connections, exactly as received (with its line end). */
    public List<String> commands() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    /** The subject of the message each DELE named (whatever the answer), or "no message N" for a bad number. */
    public List<String> deleRequested() {
        synchronized (deleRequested) {
            return List.copyOf(deleRequested);
        }
    }

    /** Subjects of the messages a QUIT really removed. */
    public List<String> removed() {
        synchronized (removed) {
            return List.copyOf(removed);
        }
    }

    /** The most bytes the server wrote in one reply: how far a client read into an endless or inflated one. */
    public long longestReply() {
        return longestReply.get();
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                open.add(s);
                connections.incrementAndGet();
                Fault fault = healed ? Fault.NONE : scenario.fault();
                threads.execute(() -> serve(s, fault));
            } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket, Fault fault) {
        try (socket) {
            socket.setSoTimeout(IDLE_MILLIS);
            socket.setTcpNoDelay(true);
            new Connection(socket, fault).run();
        } catch (IOException | InterruptedException e) {
            // the client hung up, the idle time passed, or the server is closing: the connection ends
        } finally {
            open.remove(socket);
        }
    }

    /** One client connection: the POP3 state machine with the scenario's faults. */
    private final class Connection {
        private final InputStream in;
        private final OutputStream out;
        private final Fault fault;
        private List<Message> view;
        private final Set<Integer> marked = new HashSet<>();
        private boolean slowReply;
        private long replyBytes;

        Connection(Socket socket, Fault fault) throws IOException {
            this.in = socket.getInputStream();
            this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 8192);
            this.fault = fault;
        }

        void run() throws IOException, InterruptedException {
            if (fault == Fault.ENDLESS_GREETING) {
                endlessLine("+OK ");
                return;
            }
            reply("+OK hostile POP3 ready <1.2@hostile.example>");
            String user = null;
            while (true) {
                String line = readCommand();
                if (line == null) {
                    return;
                }
                String[] words = line.split(" ", -1);
                String verb = words[0].toUpperCase(Locale.ROOT);
                String arg = words.length > 1 ? words[1] : null;
                if (view == null) {
                    switch (verb) {
                        case "CAPA" -> multiLine("+OK capabilities", List.of("USER", "UIDL", "TOP", "RESP-CODES"));
                        case "USER" -> {
                            if (fault == Fault.ENDLESS_OK_LINE) {
                                endlessLine("+OK ");
                                return;
                            }
                            user = arg;
                            reply("+OK");
                        }
                        case "PASS" -> {
                            if (fault == Fault.LOGIN_IN_USE) {
                                reply("-ERR [IN-USE] the maildrop is locked by another session");
                            } else if (fault == Fault.LOGIN_SYS_TEMP) {
                                reply("-ERR [SYS/TEMP] system busy, try again later");
                            } else if (USER.equals(user) && PASSWORD.equals(line.length() > 5 ? line.substring(5) : "")) {
                                synchronized (maildrop) {
                                    view = List.copyOf(maildrop);
                                }
                                reply("+OK " + view.size() + " messages");
                            } else {
                                reply("-ERR [AUTH] invalid user name or password");
                            }
                        }
                        case "QUIT" -> {
                            reply("+OK bye");
                            return;
                        }
                        default -> reply("-ERR not logged in");
                    }
                    continue;
                }
                switch (verb) {
                    case "STAT" -> reply("+OK " + (fault == Fault.STAT_HUGE ? STAT_HUGE_COUNT : live().size()) + " "
                            + live().stream().mapToLong(i -> size(view.get(i - 1))).sum());
                    case "LIST" -> list(arg);
                    case "UIDL" -> {
                        if (!uidl(arg)) {
                            return;
                        }
                    }
                    case "RETR" -> retr(arg);
                    case "TOP" -> top(arg, words.length > 2 ? words[2] : null);
                    case "DELE" -> dele(arg);
                    case "NOOP" -> reply("+OK");
                    case "RSET" -> {
                        marked.clear();
                        reply("+OK");
                    }
                    case "QUIT" -> {
                        quit();
                        return;
                    }
                    default -> reply("-ERR unknown command");
                }
            }
        }

        /** The numbers of the messages of this connection's view not marked for deletion. */
        private List<Integer> live() {
            List<Integer> out = new ArrayList<>();
            for (int i = 1; i <= view.size(); i++) {
                if (!marked.contains(i)) {
                    out.add(i);
                }
            }
            return out;
        }

        /** The message a number names, or null after an -ERR. */
        private Message message(String arg) throws IOException, InterruptedException {
            int n;
            try {
                n = Integer.parseInt(arg == null ? "" : arg);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > view.size() || marked.contains(n)) {
                reply("-ERR no such message");
                return null;
            }
            return view.get(n - 1);
        }

        private void list(String arg) throws IOException, InterruptedException {
            if (arg != null) {
                Message m = message(arg);
                if (m != null) {
                    reply("+OK " + arg + " " + size(m));
                }
                return;
            }
            List<String> lines = new ArrayList<>();
            for (int i : live()) {
                lines.add((fault == Fault.NON_NUMERIC_LIST && lines.isEmpty() ? "xx" : String.valueOf(i)) + " "
                        + size(view.get(i - 1)));
            }
            multiLine("+OK " + lines.size() + " messages", lines);
        }

        /** Returns false when the connection must end (an endless listing was cut off). */
        private boolean uidl(String arg) throws IOException, InterruptedException {
            if (arg != null) {
                Message m = message(arg);
                if (m != null) {
                    reply("+OK " + arg + " " + m.uidl());
                }
                return true;
            }
            List<String> lines = new ArrayList<>();
            for (int i : live()) {
                lines.add((fault == Fault.NON_NUMERIC_UIDL && lines.isEmpty() ? "xx" : String.valueOf(i)) + " "
                        + view.get(i - 1).uidl());
            }
            if (fault != Fault.ENDLESS_UIDL) {
                multiLine("+OK", lines);
                return true;
            }
            startReply();
            send(bytes("+OK\r\n"));
            for (String l : lines) {
                send(bytes(l + "\r\n"));
            }
            for (long n = view.size() + 1; replyBytes < ENDLESS_CAP; n++) {
                send(bytes(n + " uid-" + n + "\r\n"));
            }
            endReply();
            return false;
        }

        private void retr(String arg) throws IOException, InterruptedException {
            Message m = message(arg);
            if (m == null) {
                return;
            }
            startReply();
            slowReply = m.quirk() == Quirk.SLOW;
            send(bytes("+OK " + size(m) + " octets\r\n"));
            byte[] content = m.content();
            switch (m.quirk()) {
                case UNTERMINATED -> {
                    send(stuffed(Arrays.copyOf(content, content.length - 2))); // no CRLF before the "."
                    send(bytes(".\r\n"));
                    // and then nothing: the client waits for an end that never comes
                }
                case TRUNCATED -> {
                    send(content); // not dot-stuffed: its lone "." line ends the message early
                    send(bytes(".\r\n"));
                }
                case INFLATED -> {
                    send(stuffed(content));
                    byte[] padding = bytes("x".repeat(76) + "\r\n");
                    for (long sent = 0; sent < INFLATED_BYTES; sent += padding.length) {
                        send(padding);
                    }
                    send(bytes(".\r\n"));
                }
                default -> {
                    send(stuffed(content));
                    send(bytes(".\r\n"));
                }
            }
            endReply();
        }

        private void top(String arg, String lines) throws IOException, InterruptedException {
            Message m = message(arg);
            if (m == null) {
                return;
            }
            String text = new String(m.content(), StandardCharsets.ISO_8859_1);
            int bodyAt = text.indexOf("\r\n\r\n") + 4;
            int keep;
            try {
                keep = Integer.parseInt(lines == null ? "" : lines);
            } catch (NumberFormatException e) {
                reply("-ERR bad line count");
                return;
            }
            StringBuilder part = new StringBuilder(text.substring(0, bodyAt));
            String[] body = text.substring(bodyAt).split("\r\n");
            for (int i = 0; i < Math.min(keep, body.length); i++) {
                part.append(body[i]).append("\r\n");
            }
            startReply();
            send(bytes("+OK\r\n"));
            send(stuffed(bytes(part.toString())));
            send(bytes(".\r\n"));
            endReply();
        }

        private void dele(String arg) throws IOException, InterruptedException {
            int n;
            try {
                n = Integer.parseInt(arg == null ? "" : arg);
            } catch (NumberFormatException e) {
                n = -1;
            }
            deleRequested.add(n >= 1 && n <= view.size() ? view.get(n - 1).subject() : "no message " + arg);
            if (fault == Fault.DELE_ERR) {
                reply("-ERR [SYS/PERM] cannot delete message " + arg);
                return;
            }
            if (message(arg) != null) {
                marked.add(n);
                reply("+OK message " + n + " deleted");
            }
        }

        private void quit() throws IOException, InterruptedException {
            if (fault == Fault.DROP_AT_QUIT) {
                return; // no answer, no deletion: the socket closes
            }
            Set<Message> gone = new HashSet<>();
            marked.forEach(n -> gone.add(view.get(n - 1)));
            synchronized (maildrop) {
                maildrop.removeIf(m -> gone.contains(m) && removed.add(m.subject()));
            }
            reply("+OK bye");
        }

        private long size(Message m) {
            return m.content().length;
        }

        /** A command line up to LF, recorded as received; null when the client hung up. */
        private String readCommand() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            try {
                while ((b = in.read()) >= 0) {
                    line.write(b);
                    if (b == '\n' || line.size() >= MAX_COMMAND_BYTES) {
                        break;
                    }
                }
            } catch (SocketTimeoutException idle) {
                return null;
            }
            if (line.size() == 0) {
                return null;
            }
            String raw = line.toString(StandardCharsets.ISO_8859_1);
            commands.add(raw);
            return raw.endsWith("\r\n") ? raw.substring(0, raw.length() - 2)
                    : raw.endsWith("\n") ? raw.substring(0, raw.length() - 1) : raw;
        }

        private void reply(String line) throws IOException, InterruptedException {
            startReply();
            send(bytes(line + "\r\n"));
            endReply();
        }

        private void multiLine(String status, List<String> lines) throws IOException, InterruptedException {
            startReply();
            send(bytes(status + "\r\n"));
            for (String l : lines) {
                send(stuffed(bytes(l + "\r\n")));
            }
            send(bytes(".\r\n"));
            endReply();
        }

        /** "+OK " and then bytes without a line end until the client hangs up or the cap is reached. */
        private void endlessLine(String start) throws IOException, InterruptedException {
            startReply();
            send(bytes(start));
            byte[] chunk = bytes("a".repeat(8192));
            while (replyBytes < ENDLESS_CAP) {
                send(chunk);
            }
            endReply();
        }

        private void startReply() {
            replyBytes = 0;
        }

        private void endReply() throws IOException {
            out.flush();
            slowReply = false;
        }

        /** Writes (one byte a second for a slow-loris) and counts what the client was offered. */
        private void send(byte[] b) throws IOException, InterruptedException {
            if (fault == Fault.SLOW_LORIS || slowReply) {
                for (byte x : b) {
                    out.write(x);
                    out.flush();
                    count(1);
                    Thread.sleep(1000);
                }
            } else {
                out.write(b);
                count(b.length);
            }
        }

        private void count(long n) {
            replyBytes += n;
            longestReply.accumulateAndGet(replyBytes, Math::max);
        }
    }

    /** RFC 1939 byte-stuffing: a line starting with "." gets another. */
    private static byte[] stuffed(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 16);
        boolean lineStart = true;
        for (byte b : content) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Closes the listener and every connection, and waits for the server's threads to end. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("hostile POP3 server threads still running after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
