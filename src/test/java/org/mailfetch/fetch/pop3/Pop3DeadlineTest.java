package org.mailfetch.fetch.pop3;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailfetch.mail.Security;

/**
 * The session deadline holds however the server stalls: a TLS record (or handshake message) read
 * one byte at a time satisfies every per-read timeout, so only closing the socket ends it.
 */
class Pop3DeadlineTest {

    /** Says a TLS record of 16,000 bytes is coming (plain: a greeting line), then sends one byte every 200 ms. */
    private static ServerSocket trickling(byte[] start) throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                out.write(start);
                for (int i = 0; i < 10_000; i++) {
                    out.flush();
                    Thread.sleep(200);
                    out.write('A');
                }
            } catch (IOException | InterruptedException ignored) {
                // the client hung up
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    @ParameterizedTest
    @EnumSource(value = Security.class, names = {"SSL", "NONE"})
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked read ignores interrupts
    void aServerTricklingBelowTheReadTimeoutIsCutOffAtTheSessionDeadline(Security security) throws Exception {
        byte[] start = security == Security.SSL
                ? new byte[] {0x16, 0x03, 0x03, 0x3e, (byte) 0x80} // a handshake record, 16,000 bytes long
                : "+OK ".getBytes();
        try (ServerSocket server = trickling(start)) {
            Pop3Client.Endpoint endpoint = new Pop3Client.Endpoint("127.0.0.1", server.getLocalPort(), security, null,
                    Duration.ofSeconds(2), Duration.ofSeconds(1));
            long start2 = System.nanoTime();
            assertThrows(IOException.class, () -> Pop3Client.open(endpoint, System.nanoTime() + Duration.ofSeconds(3).toNanos()));
            Duration took = Duration.ofNanos(System.nanoTime() - start2);
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, security + ": cut off after " + took);
        }
    }
}
