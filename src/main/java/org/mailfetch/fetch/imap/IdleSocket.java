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
 * <li>a response (lines and literals, framed as Angus frames them, see {@link ImapFraming}) longer
 * than {@code maxResponse} bytes, or a literal announced larger, fails the connection before Angus
 * allocates it; so do untagged replies beyond a per-command budget and message numbers beyond
 * {@code maxMessages} (mailfetch.fetch.max-listing) or of 0;</li>
 * <li>a response that has not ended {@code responseMillis} after its first byte fails it (a server
 * dripping one byte per read timeout, or chaining literals, cannot hold the thread);</li>
 * <li>a server streaming responses without pause keeps the thread at most {@link #BURST_NANOS} at a
 * time (see {@code Bounded.available()});</li>
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
    private final long maxMessages;
    private volatile SSLSocket ssl;
    private InputStream in;

    /** How long in a row one connection's responses may keep the IdleManager thread before it lets go. */
    static final long BURST_NANOS = 500_000_000L;

    IdleSocket(SSLSocketFactory tls, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse,
               long responseMillis) throws IOException {
        this(tls, tlsAtConnect, readTimeoutMillis, maxResponse, responseMillis, ResponseLimit.DEFAULT_MAX_MESSAGES);
    }

    /** {@code maxMessages}: mailfetch.fetch.max-listing, the most messages a folder may announce. */
    IdleSocket(SSLSocketFactory tls, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse,
               long responseMillis, long maxMessages) throws IOException {
        this.maxMessages = maxMessages;
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

    /**
     * Responses framed as Angus frames them ({@link ImapFraming}: size with literals, untagged replies
     * per command, message numbers) and response time bounded; a timeout fails the connection; and
     * {@link #available()} lets the selector thread go after a burst of {@link #BURST_NANOS}.
     */
    private final class Bounded extends FilterInputStream {
        private final ImapFraming framing = new ImapFraming(maxResponse, maxMessages);
        /** System.nanoTime() of the current response's first byte; 0 between responses. */
        private long responseStart;
        /** System.nanoTime() when available() first said more was waiting in a row; 0: not in a burst. */
        private long burstStart;

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
                see(b);
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
                see(buf[off + i] & 0xff);
            }
            if (n > 0) {
                checkTime();
            }
            return n;
        }

        /**
         * What is waiting, as the stream below says — Angus' handleIdle goes on reading while it is
         * above 0 — but 0 once it has been above 0 for longer than {@link #BURST_NANOS} in a row, so
         * that a server streaming small responses cannot hold the IdleManager's thread: handleIdle
         * returns, the selector serves the other accounts and comes back for the rest (still in the
         * socket, so the channel selects again). Always 0 would strand responses that TLS has already
         * decrypted and buffered, which no selector sees.
         */
        @Override
        public int available() throws IOException {
            int n = super.available();
            if (n <= 0) {
                burstStart = 0;
                return 0;
            }
            long now = System.nanoTime();
            if (burstStart == 0) {
                burstStart = now;
            } else if (now - burstStart > BURST_NANOS) {
                burstStart = 0;
                return 0;
            }
            return n;
        }

        private IOException timedOut() {
            return new IOException("no complete response within the read timeout (" + readTimeoutMillis + " ms)");
        }

        private void checkTime() throws IOException {
            if (responseStart != 0 && System.nanoTime() - responseStart > responseNanos) {
                throw new IOException("a response took longer than " + responseNanos / 1_000_000 + " ms to arrive");
            }
        }

        private void see(int b) throws IOException {
            if (responseStart == 0) {
                responseStart = System.nanoTime();
            }
            if (framing.see(b)) {
                responseStart = 0; // only the end of a whole response (its literals too) restarts the clock
            }
        }
    }
}
