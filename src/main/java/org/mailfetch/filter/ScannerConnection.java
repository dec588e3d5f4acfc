package org.mailfetch.filter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

import org.mailfetch.net.Watchdog;

/**
 * One request to a scanner daemon over TCP or a Unix socket, with a deadline for the whole
 * exchange: when it passes, the connection is closed and the blocked read or write fails.
 */
final class ScannerConnection implements AutoCloseable {

    private final AutoCloseable channel;
    private final InputStream in;
    private final OutputStream out;
    private final Socket socket;
    private final Watchdog deadline;

    private ScannerConnection(AutoCloseable channel, Socket socket, InputStream in, OutputStream out, Duration timeout) {
        this.channel = channel;
        this.socket = socket;
        this.in = new BufferedInputStream(in, 8192);
        this.out = new BufferedOutputStream(out, 65536);
        this.deadline = Watchdog.closeAfter(channel, timeout);
    }

    static ScannerConnection tcp(String host, int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return new ScannerConnection(socket, socket, socket.getInputStream(), socket.getOutputStream(), timeout);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    static ScannerConnection unix(Path path, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(path));
            return new ScannerConnection(ch, null, Channels.newInputStream(ch), Channels.newOutputStream(ch), timeout);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    /** Flushes and signals the end of the request, for daemons that read until EOF. */
    void finishRequest() throws IOException {
        out.flush();
        if (socket != null) {
            socket.shutdownOutput();
        } else {
            ((SocketChannel) channel).shutdownOutput();
        }
    }

    boolean timedOut() {
        return deadline.expired();
    }

    @Override
    public void close() {
        deadline.cancel();
        try {
            channel.close();
        } catch (Exception ignored) {
            // the answer has been read; nothing depends on a clean close
        }
    }
}
