package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One message a sender made slow to scan must not switch scanning off for everyone; a daemon that
 * stopped answering altogether is not waited for message after message.
 */
class ScannerBreakerTest {

    private ServerSocket server;
    private final AtomicInteger requests = new AtomicInteger();

    /** A spamd that never answers a message holding "SLOW" and scores everything else 1.0. */
    @BeforeEach
    void startSpamd() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    requests.incrementAndGet();
                    Thread one = new Thread(() -> answer(s));
                    one.setDaemon(true);
                    one.start();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private static void answer(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            in.transferTo(request); // the client half-closes after its request
            if (request.toString(StandardCharsets.ISO_8859_1).contains("SLOW")) {
                Thread.sleep(10_000);
                return;
            }
            s.getOutputStream().write("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.0 / 5.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | InterruptedException ignored) {
            // the client gave up
        }
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private static InputStream message(String body) {
        return new ByteArrayInputStream(("Subject: x\n\n" + body + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static long size(String body) {
        return ("Subject: x\n\n" + body + "\n").length();
    }

    @Test
    @Timeout(30)
    void aSingleSlowMessageDoesNotStopTheNextOneFromBeingScanned() throws Exception {
        SpamdClient spamd = new SpamdClient("127.0.0.1", server.getLocalPort(), Duration.ofMillis(700));
        assertThrows(ScannerUnavailableException.class, () -> spamd.check(message("SLOW"), size("SLOW")));
        assertEquals(1.0, spamd.check(message("ham"), size("ham")).score(), "the next message is scanned");
        assertThrows(ScannerUnavailableException.class, () -> spamd.check(message("SLOW"), size("SLOW")));
        assertEquals(1.0, spamd.check(message("ham"), size("ham")).score(), "and the next one again");
    }

    @Test
    @Timeout(30)
    void twoTimeoutsInARowOpenTheBreakerSoTheThirdMessageFailsAtOnce() throws Exception {
        SpamdClient spamd = new SpamdClient("127.0.0.1", server.getLocalPort(), Duration.ofMillis(700));
        assertThrows(ScannerUnavailableException.class, () -> spamd.check(message("SLOW 1"), size("SLOW 1")));
        assertThrows(ScannerUnavailableException.class, () -> spamd.check(message("SLOW 2"), size("SLOW 2")));
        int before = requests.get();
        long start = System.nanoTime();
        ScannerUnavailableException e = assertThrows(ScannerUnavailableException.class,
                () -> spamd.check(message("ham"), size("ham")));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 500, "not waited for again");
        assertTrue(e.getMessage().contains("not retried"), e.getMessage());
        assertEquals(before, requests.get(), "spamd was not asked");
    }
}
