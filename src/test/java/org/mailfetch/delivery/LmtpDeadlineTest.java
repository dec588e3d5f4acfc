package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.recipient.LmtpTarget;

/** A mail store that answers one byte at a time, or not at all over a Unix socket, cannot hold a session. */
class LmtpDeadlineTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(20)
    void aStoreTricklingItsGreetingIsCutOffAtTheExchangeDeadline() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread trickle = new Thread(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write('2');
                    for (int i = 0; i < 200; i++) { // each byte well inside the read timeout
                        Thread.sleep(200);
                        out.write('2');
                        out.flush();
                    }
                } catch (IOException | InterruptedException ignored) {
                    // the client hung up: the point of the test
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            long start = System.nanoTime();
            LmtpTarget target = LmtpTarget.parse("127.0.0.1:" + server.getLocalPort());
            assertThrows(IOException.class, () -> LmtpClient.connect(target, Duration.ofSeconds(1), Duration.ofSeconds(2)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "cut off after " + took);
        }
    }

    @Test
    @Timeout(20)
    void aSilentStoreOnAUnixSocketIsCutOffAtTheExchangeDeadline() throws Exception {
        Path socket = dir.resolve("lmtp");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread silent = new Thread(() -> {
                try (SocketChannel c = server.accept()) {
                    c.read(ByteBuffer.allocate(1)); // never answers; waits for the client to hang up
                } catch (IOException ignored) {
                    // closed
                }
            });
            silent.setDaemon(true);
            silent.start();
            long start = System.nanoTime();
            LmtpTarget target = LmtpTarget.parse("unix:" + socket);
            assertThrows(IOException.class, () -> LmtpClient.connect(target, Duration.ofSeconds(1), Duration.ofSeconds(2)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "cut off after " + took);
        }
    }
}
