package org.mailfetch.fetch.imap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The socket Angus Mail reads IMAP from: what it reads passes through {@link ResponseLimit}. TLS is
 * layered here, under that limit — at connect for SSL, on Angus's request for STARTTLS — with the
 * certificate and the host name verified (endpoint identification, as for POP3). Angus therefore
 * sees a plain socket and never reads TLS records through the limit.
 */
final class GuardedSocket extends Socket {

    private final SSLSocketFactory tls;
    private final boolean tlsAtConnect;
    private final int readTimeoutMillis;
    private final long maxResponse;
    private final long maxMessages;
    private SSLSocket ssl;
    private InputStream in;

    GuardedSocket(SSLSocketFactory tls, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse,
                  long maxMessages) {
        this.maxMessages = maxMessages;
        this.tls = tls;
        this.tlsAtConnect = tlsAtConnect;
        this.readTimeoutMillis = readTimeoutMillis;
        this.maxResponse = maxResponse;
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        super.connect(endpoint, timeout);
        super.setSoTimeout(readTimeoutMillis);
        if (tlsAtConnect) {
            java.net.InetSocketAddress address = (java.net.InetSocketAddress) endpoint;
            startTls(address.getHostString(), address.getPort());
        }
    }

    /** Layers TLS over this connection (SSL at connect, or STARTTLS after the server's OK) and shakes hands. */
    synchronized void startTls(String host, int port) throws IOException {
        if (ssl != null) {
            throw new IOException("TLS is already on");
        }
        SSLSocket s = (SSLSocket) tls.createSocket(new Raw(), host, port, true);
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        s.setSSLParameters(params);
        s.setSoTimeout(readTimeoutMillis);
        s.startHandshake();
        ssl = s;
        in = null;
    }

    boolean tls() {
        return ssl != null;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new ResponseLimit(ssl != null ? ssl.getInputStream() : super.getInputStream(), maxResponse,
                    maxMessages);
        }
        return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        return ssl != null ? ssl.getOutputStream() : super.getOutputStream();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (ssl != null) {
                ssl.close();
            }
        } finally {
            super.close();
        }
    }

    /**
     * This connection's own streams, for TLS to run over: the SSLSocket layered on a Socket reads and
     * writes through that Socket's streams, which must not be the limited ones.
     */
    private final class Raw extends Socket {
        @Override
        public InputStream getInputStream() throws IOException {
            return GuardedSocket.super.getInputStream();
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return GuardedSocket.super.getOutputStream();
        }

        @Override
        public boolean isConnected() {
            return GuardedSocket.this.isConnected();
        }

        @Override
        public boolean isClosed() {
            return GuardedSocket.this.isClosed();
        }

        @Override
        public java.net.InetAddress getInetAddress() {
            return GuardedSocket.this.getInetAddress();
        }

        @Override
        public int getPort() {
            return GuardedSocket.this.getPort();
        }

        @Override
        public void setSoTimeout(int timeout) throws java.net.SocketException {
            GuardedSocket.super.setSoTimeout(timeout);
        }

        @Override
        public int getSoTimeout() throws java.net.SocketException {
            return GuardedSocket.super.getSoTimeout();
        }

        @Override
        public synchronized void close() throws IOException {
            GuardedSocket.super.close();
        }
    }
}
