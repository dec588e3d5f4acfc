package org.mailfetch.oauth2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The loopback end of the browser sign-in (RFC 8252 7.3): a listener on 127.0.0.1 (and [::1] on the
 * same port when it is free, for browsers that resolve {@code localhost} to IPv6 first) that waits
 * for the one request carrying our {@code state} and a {@code code} or {@code error}.
 *
 * <p>Any local user can connect to it, so it trusts no one: each connection gets its own thread
 * from a small pool and five seconds to send one bounded request line and headers; a silent or
 * flooding client therefore cannot keep the browser's redirect from being answered.
 */
final class LoopbackRedirect implements AutoCloseable {

    private static final int MAX_LINE = 8 * 1024;
    private static final int MAX_HEADER_BYTES = 32 * 1024;
    private static final int READ_TIMEOUT_MS = 5_000;
    private static final int MAX_CONNECTIONS = 32;

    private final String state;
    private final List<ServerSocket> listeners = new CopyOnWriteArrayList<>();
    private final ThreadPoolExecutor handlers = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 10, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "mailfetch-signin-redirect");
                t.setDaemon(true);
                return t;
            });
    private final CompletableFuture<Map<String, String>> result = new CompletableFuture<>();

    LoopbackRedirect(String state) throws IOException {
        this.state = state;
        ServerSocket v4 = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        listeners.add(v4);
        try {
            listeners.add(new ServerSocket(v4.getLocalPort(), 50, InetAddress.getByName("::1")));
        } catch (IOException noIpv6OrTaken) {
            // IPv4 alone: browsers fall back to 127.0.0.1 for localhost
        }
        for (ServerSocket l : listeners) {
            Thread t = new Thread(() -> accept(l), "mailfetch-signin-listener");
            t.setDaemon(true);
            t.start();
        }
    }

    int port() {
        return listeners.get(0).getLocalPort();
    }

    /** The query of the redirect that carried our state; TimeoutException when none came in time. */
    Map<String, String> await(Duration timeout) throws TimeoutException, InterruptedException {
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void accept(ServerSocket listener) {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException closed) {
                return;
            }
            try {
                handlers.execute(() -> serve(s));
            } catch (RejectedExecutionException busy) {
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(READ_TIMEOUT_MS);
            InputStream in = s.getInputStream();
            String requestLine = line(in);
            int headerBytes = 0;
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                headerBytes += h.length();
                if (headerBytes > MAX_HEADER_BYTES) {
                    return;
                }
            }
            Map<String, String> q = requestLine == null ? Map.of() : query(requestLine);
            boolean ours = q.get("state") != null && MessageDigest.isEqual(q.get("state").getBytes(StandardCharsets.UTF_8),
                    state.getBytes(StandardCharsets.UTF_8)) && (q.containsKey("code") || q.containsKey("error"))
                    && !result.isDone();
            String page = !ours ? "This is not the sign-in mailfetch is waiting for."
                    : q.containsKey("code") ? "mailfetch: signed in. You can close this window."
                    : "mailfetch: the sign-in did not succeed. You can close this window.";
            byte[] body = ("<!doctype html><meta charset=utf-8><title>mailfetch</title><p>" + page + "</p>\n")
                    .getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(((ours ? "HTTP/1.1 200 OK" : "HTTP/1.1 400 Bad Request") + "\r\nContent-Type: text/html; charset=utf-8"
                    + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            if (ours) {
                result.complete(q);
            }
        } catch (IOException e) {
            // a client that went silent or away: nothing to answer
        }
    }

    /** A CRLF- (or LF-) ended line of at most MAX_LINE bytes; null at the end or when longer. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1; c = in.read()) {
            if (c == '\n') {
                String l = b.toString(StandardCharsets.ISO_8859_1);
                return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
            }
            if (b.size() >= MAX_LINE) {
                return null;
            }
            b.write(c);
        }
        return null;
    }

    /** The query of {@code GET /?… HTTP/1.x}; empty for any other method or path. */
    private static Map<String, String> query(String requestLine) {
        String[] parts = requestLine.split(" ", 3);
        Map<String, String> q = new HashMap<>();
        if (parts.length != 3 || !parts[0].equals("GET") || !(parts[1].equals("/") || parts[1].startsWith("/?"))) {
            return q;
        }
        String raw = parts[1].length() > 2 ? parts[1].substring(2) : "";
        for (String pair : raw.split("&", 50)) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                try {
                    q.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException badEscape) {
                    return Map.of();
                }
            }
        }
        return q;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a connection we refuse to serve
        }
    }

    @Override
    public void close() {
        for (ServerSocket l : listeners) {
            try {
                l.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        handlers.shutdownNow();
    }
}
