package org.mailfetch.fetch.imap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The sockets Angus Mail opens for one IMAP connection, made here: {@link GuardedSocket}s, whose
 * responses are bounded ({@link ResponseLimit}) and which layer TLS themselves — from the account's
 * trust (the JVM's, or exactly its --trust-cert), with the host name checked against the
 * certificate (endpoint identification, as for POP3) — at connect for SSL, and when Angus asks the
 * TLS factory to upgrade one after STARTTLS. Every socket is remembered, so that the session
 * deadline can close them all.
 */
final class ImapSockets {

    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final SSLSocketFactory tls;
    private final boolean tlsAtConnect;
    private final int readTimeoutMillis;
    private final long maxResponse;
    private final long maxMessages;

    /** {@code tlsAtConnect}: SSL (implicit TLS); {@code maxResponse}: the most one IMAP response may hold. */
    ImapSockets(SSLContext trust, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse) throws IOException {
        this(trust, tlsAtConnect, readTimeoutMillis, maxResponse, ResponseLimit.DEFAULT_MAX_MESSAGES);
    }

    /** {@code maxMessages}: mailfetch.fetch.max-listing, the most messages a folder may announce. */
    ImapSockets(SSLContext trust, boolean tlsAtConnect, int readTimeoutMillis, long maxResponse, long maxMessages)
            throws IOException {
        this.maxMessages = maxMessages;
        try {
            this.tls = (trust != null ? trust : SSLContext.getDefault()).getSocketFactory();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no TLS available: " + e.getMessage(), e);
        }
        this.tlsAtConnect = tlsAtConnect;
        this.readTimeoutMillis = readTimeoutMillis;
        this.maxResponse = maxResponse;
    }

    /** Whether TLS protects the connection (SSL, or STARTTLS done). */
    boolean tlsOn() {
        return sockets.stream().anyMatch(s -> s instanceof GuardedSocket g && g.tls());
    }

    /** For mail.imap.socketFactory: Angus connects the guarded socket it gets here (SocketFetcher). */
    SocketFactory plain() {
        return new SocketFactory() {
            @Override
            public Socket createSocket() {
                return track(new GuardedSocket(tls, tlsAtConnect, readTimeoutMillis, maxResponse, maxMessages));
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                return track(new Socket(host, port));
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                return track(new Socket(host, port, local, localPort));
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                return track(new Socket(host, port));
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
                return track(new Socket(host, port, local, localPort));
            }
        };
    }

    /**
     * For mail.imap.ssl.socketFactory, which Angus asks to upgrade a connection after STARTTLS; the
     * other methods make TLS sockets that verify the certificate and the host name.
     */
    SSLSocketFactory tls() {
        return new SSLSocketFactory() {
            @Override
            public String[] getDefaultCipherSuites() {
                return tls.getDefaultCipherSuites();
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return tls.getSupportedCipherSuites();
            }

            @Override
            public Socket createSocket() throws IOException {
                return verified(tls.createSocket());
            }

            @Override
            public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                if (s instanceof GuardedSocket guarded) {
                    guarded.startTls(host, port); // STARTTLS: TLS goes under the response limit
                    return guarded;
                }
                return verified(tls.createSocket(s, host, port, autoClose));
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                return verified(tls.createSocket(host, port));
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                return verified(tls.createSocket(host, port, local, localPort));
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                return verified(tls.createSocket(host, port));
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
                return verified(tls.createSocket(host, port, local, localPort));
            }
        };
    }

    private Socket verified(Socket s) {
        SSLSocket ssl = (SSLSocket) s;
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        ssl.setSSLParameters(params);
        return track(ssl);
    }

    private Socket track(Socket s) {
        sockets.add(s);
        return s;
    }

    /** Closes every socket of the connection: a read blocked in Angus fails at once. */
    void closeAll() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is the point
            }
        }
    }
}
