package org.mailfetch.fetch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny RFC 1939 server for the fetch tests of issue 8: a mailbox of (UIDL, text) messages that a
 * test can change between sessions (e.g. reuse a UIDL), DELE applied only at QUIT, and one override
 * per command verb to misbehave (lie in LIST, never end a RETR, refuse DELE, drop at QUIT …). It
 * records every command line it receives. Not the table-driven hostile server of the end-to-end
 * tests: just enough to drive one session at a time.
 */
final class ScriptedPop3 implements AutoCloseable {

    /** A message: its UIDL (null: none), its text with CRLF line ends, and the size LIST claims (-1: the true one). */
    record Msg(String uidl, String text, long listSize) {
        Msg(String uidl, String text) {
            this(uidl, text, -1);
        }

        long size() {
            return listSize >= 0 ? listSize : text.getBytes(StandardCharsets.ISO_8859_1).length;
        }
    }

    /** Custom behaviour for one command: writes whatever it likes; returning false closes the connection. */
    @FunctionalInterface
    interface Reply {
        boolean send(Session s, String args, OutputStream out) throws IOException;
    }

    /** One connection's view: the messages at login and the ones marked for DELE. */
    final class Session {
        final List<Msg> box = new ArrayList<>(messages);
        final Set<Integer> deleted = new HashSet<>();
        /** The connection's input, for a script that reads lines past its command (a SASL exchange). */
        BufferedReader in;

        Msg msg(String n) {
            return box.get(Integer.parseInt(n.trim()) - 1);
        }
    }

    final List<Msg> messages = new CopyOnWriteArrayList<>();
    final List<String> received = new CopyOnWriteArrayList<>();
    final Map<String, Reply> overrides = new ConcurrentHashMap<>();
    volatile Reply greeting = (s, a, out) -> write(out, "+OK ready\r\n");
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    ScriptedPop3() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "scripted-pop3");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    ScriptedPop3 add(String uidl, String subject, String body) {
        messages.add(new Msg(uidl, message(subject, body)));
        return this;
    }

    static String message(String subject, String body) {
        return "From: sender@example.org\r\nTo: alice@example.com\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n";
    }

    long count(String verb) {
        return received.stream().filter(l -> l.toUpperCase(Locale.ROOT).startsWith(verb)).count();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "scripted-pop3-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        Session s = new Session();
        try (socket) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            s.in = in;
            if (!greeting.send(s, "", out)) {
                return;
            }
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                int sp = line.indexOf(' ');
                String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
                String args = sp < 0 ? "" : line.substring(sp + 1);
                Reply custom = overrides.get(verb);
                boolean go = custom != null ? custom.send(s, args, out) : standard(s, verb, args, out);
                if (!go) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or a script ended the connection
        }
    }

    private boolean standard(Session s, String verb, String args, OutputStream out) throws IOException {
        switch (verb) {
            case "USER", "PASS", "NOOP" -> write(out, "+OK\r\n");
            case "CAPA" -> write(out, "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n");
            case "STAT" -> write(out, "+OK " + s.box.size() + " 0\r\n");
            case "LIST" -> {
                StringBuilder b = new StringBuilder("+OK\r\n");
                for (int i = 0; i < s.box.size(); i++) {
                    b.append(i + 1).append(' ').append(s.box.get(i).size()).append("\r\n");
                }
                write(out, b.append(".\r\n").toString());
            }
            case "UIDL" -> {
                StringBuilder b = new StringBuilder("+OK\r\n");
                for (int i = 0; i < s.box.size(); i++) {
                    b.append(i + 1).append(' ').append(s.box.get(i).uidl()).append("\r\n");
                }
                write(out, b.append(".\r\n").toString());
            }
            case "RETR" -> write(out, "+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n");
            case "TOP" -> {
                String text = s.msg(args.split(" ")[0]).text();
                write(out, "+OK\r\n" + text.substring(0, text.indexOf("\r\n\r\n") + 4) + ".\r\n");
            }
            case "DELE" -> {
                s.deleted.add(Integer.parseInt(args.trim()));
                write(out, "+OK\r\n");
            }
            case "QUIT" -> {
                List<Msg> gone = new ArrayList<>();
                for (int n : s.deleted) {
                    gone.add(s.box.get(n - 1));
                }
                messages.removeAll(gone);
                write(out, "+OK bye\r\n");
                return false;
            }
            default -> write(out, "-ERR unknown command\r\n");
        }
        return true;
    }

    static boolean write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return true;
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
