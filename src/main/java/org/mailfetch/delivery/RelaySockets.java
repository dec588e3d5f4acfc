package org.mailfetch.delivery;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.SocketFactory;

import org.mailfetch.net.Watchdog;

/**
 * The sockets of one outbox attempt towards a route's SMTP server, for Angus Mail
 * ({@code mail.smtp.socketFactory}). Angus reads replies with unbounded lines and collects a
 * multi-line reply whole, and its timeouts bound single reads only: so here a relay may send at
 * most {@link #MAX_READ} bytes in all (replies are small; TLS over STARTTLS reads through this
 * socket too) and the attempt's deadline closes the socket, however slowly the relay trickles.
 */
final class RelaySockets extends SocketFactory implements AutoCloseable {

    /** Everything a relay may send in one attempt: greeting, EHLO, STARTTLS handshake, replies to 1,000 RCPTs. */
    static final long MAX_READ = 4L << 20;

    private final Duration deadline;
    private final List<Watchdog> watchdogs = new CopyOnWriteArrayList<>();

    RelaySockets(Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public Socket createSocket() {
        Socket s = new Socket() {
            private InputStream capped;

            @Override
            public synchronized InputStream getInputStream() throws IOException {
                if (capped == null) {
                    capped = new Capped(super.getInputStream());
                }
                return capped;
            }
        };
        watchdogs.add(Watchdog.closeAfter(s, deadline));
        return s;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = createSocket();
        if (local != null) {
            s.bind(local);
        }
        s.connect(remote);
        return s;
    }

    /** Ends the attempt: its deadlines are no longer needed. */
    @Override
    public void close() {
        watchdogs.forEach(Watchdog::cancel);
    }

    /** A socket input that refuses to read past {@link #MAX_READ} bytes. */
    private static final class Capped extends FilterInputStream {
        private long left = MAX_READ;

        Capped(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            check();
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            check();
            int n = super.read(buf, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        private void check() throws IOException {
            if (left <= 0) {
                throw new IOException("the relay sent more than " + (MAX_READ >> 20) + " MiB of replies");
            }
        }
    }
}
