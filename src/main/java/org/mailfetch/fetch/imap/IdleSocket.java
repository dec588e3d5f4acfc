package org.mailfetch.fetch.imap;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The socket of an IDLE connection: a {@link SocketChannel} (Angus' IdleManager selects on it, see
 * {@link #getChannel()}) with TLS layered here — at connect for SSL, on Angus' request after STARTTLS
 * — the certificate and host name verified as for every other connection. What Angus reads is
 * bounded, because an IdleManager thread reads for many accounts:
 * <ul>
 * <li>a line longer than {@code maxResponse} bytes, or a literal announced larger, fails the
 * connection before Angus allocates it;</li>
 * <li>a response that has not ended {@code responseMillis} after its first byte fails it (a server
 * dripping one byte per read timeout cannot hold the thread);</li>
 * <li>a read timeout is a failure, not a pause: Angus would read again after a silent timeout in
 * IDLE, yet it only reads here when the selector said data was waiting.</li>
 * </ul>
 */
final class IdleSocket extends Socket {

    private final SocketChannel channel;
    private final Socket raw;
    private final SSLSocketFactory tls;
    private final boolean tlsAtConnect;
    private final int readTimeoutMillis;
    private final long maxResponse;
    private final long responseNanos;
    private volatile SSLSocket ssl;
    private InputStream in;

    IdleSocket(SSLSocketFactory tls, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse,
               long responseMillis) throws IOException {
        this.channel = SocketChannel.open();
        this.raw = channel.socket();
        this.tls = tls;
        this.tlsAtConnect = tlsAtConnect;
        this.readTimeoutMillis = readTimeoutMillis;
        this.maxResponse = maxResponse;
        this.responseNanos = responseMillis * 1_000_000L;
    }

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        raw.connect(endpoint, timeout);
        raw.setSoTimeout(readTimeoutMillis);
        raw.setKeepAlive(true);
        if (tlsAtConnect) {
            InetSocketAddress address = (InetSocketAddress) endpoint;
            startTls(address.getHostString(), address.getPort());
        }
    }

    /** Layers TLS over the channel's socket (SSL at connect, or STARTTLS after the server's OK) and shakes hands. */
    synchronized void startTls(String host, int port) throws IOException {
        if (ssl != null) {
            throw new IOException("TLS is already on");
        }
        SSLSocket s = (SSLSocket) tls.createSocket(raw, host, port, true);
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        s.setSSLParameters(params);
        s.setSoTimeout(readTimeoutMillis);
        s.startHandshake();
        ssl = s;
        in = null;
    }

    /** The channel the IdleManager selects on: Angus asks the socket for it. */
    @Override
    public SocketChannel getChannel() {
        return channel;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new Bounded(ssl != null ? ssl.getInputStream() : raw.getInputStream());
        }
        return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        return ssl != null ? ssl.getOutputStream() : raw.getOutputStream();
    }

    /**
     * Closes the channel at once: no close_notify, which could not be written anyway while a
     * selector holds the channel in non-blocking mode, nor wait for a server that does not read.
     */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public boolean isConnected() {
        return raw.isConnected();
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public InetAddress getInetAddress() {
        return raw.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return raw.getLocalAddress();
    }

    @Override
    public int getPort() {
        return raw.getPort();
    }

    @Override
    public int getLocalPort() {
        return raw.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return raw.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return raw.getLocalSocketAddress();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        raw.setSoTimeout(timeout);
        SSLSocket s = ssl;
        if (s != null) {
            s.setSoTimeout(timeout);
        }
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return raw.getSoTimeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        raw.setTcpNoDelay(on);
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        raw.setKeepAlive(on);
    }

    @Override
    public void shutdownInput() throws IOException {
        raw.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        raw.shutdownOutput();
    }

    @Override
    public String toString() {
        return "IdleSocket[" + raw.getRemoteSocketAddress() + (ssl != null ? ", TLS]" : "]");
    }

    /** Lines, literal announcements and response time bounded; a timeout fails the connection. */
    private final class Bounded extends FilterInputStream {
        private long inLine;
        /** System.nanoTime() of the current line's first byte; 0 between lines. */
        private long lineStart;
        /** Digits of a {n} announcement at the end of the line so far; -1: none open. */
        private long literal = -1;
        private boolean literalClosed;

        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b;
            try {
                b = super.read();
            } catch (SocketTimeoutException e) {
                throw timedOut();
            }
            if (b >= 0) {
                see((byte) b);
                checkTime();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(buf, off, len);
            } catch (SocketTimeoutException e) {
                throw timedOut();
            }
            for (int i = 0; i < n; i++) {
                see(buf[off + i]);
            }
            if (n > 0) {
                checkTime();
            }
            return n;
        }

        private IOException timedOut() {
            return new IOException("no complete response within the read timeout (" + readTimeoutMillis + " ms)");
        }

        private void checkTime() throws IOException {
            if (lineStart != 0 && System.nanoTime() - lineStart > responseNanos) {
                throw new IOException("a response took longer than " + responseNanos / 1_000_000 + " ms to arrive");
            }
        }

        private void see(byte b) throws IOException {
            if (lineStart == 0) {
                lineStart = System.nanoTime();
            }
            if (++inLine > maxResponse) {
                throw new IOException("a response line longer than " + maxResponse + " bytes");
            }
            if (b == '\n') {
                if (literalClosed && literal > maxResponse) {
                    throw new IOException("a literal of " + literal + " bytes announced, more than " + maxResponse);
                }
                inLine = 0;
                lineStart = 0;
                literal = -1;
                literalClosed = false;
            } else if (b == '{') {
                literal = 0;
                literalClosed = false;
            } else if (literal >= 0 && !literalClosed && b >= '0' && b <= '9') {
                literal = Math.min(literal * 10 + (b - '0'), Long.MAX_VALUE / 20);
            } else if (literal >= 0 && b == '}') {
                literalClosed = true;
            } else if (b != '\r' && b != '+') {
                literal = -1;
                literalClosed = false;
            }
        }
    }
}
