package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailfetch.recipient.SmtpRoute;

/**
 * A route's relay that greets without end, or a byte at a time, costs one bounded attempt: the entry
 * stays queued for later, memory does not grow with what the relay sends, and the worker goes on.
 */
class SmtpRelayFaultsTest {

    @TempDir
    Path dir;

    /** "endless": 220- lines as fast as the socket takes them; "trickle": one byte of a greeting every 200 ms. */
    private static ServerSocket relay(String kind) throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                byte[] line = ("220-" + "x".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                for (long i = 0; i < 10_000_000L; i++) {
                    if (kind.equals("endless")) {
                        out.write(line);
                    } else {
                        out.write('2');
                        out.flush();
                        Thread.sleep(200);
                    }
                }
            } catch (IOException | InterruptedException ignored) {
                // mailfetch hung up: the point
            }
        });
        t.setDaemon(true);
        t.start();
        return server;
    }

    @ParameterizedTest
    @ValueSource(strings = {"endless", "trickle"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHostileRelayCostsOneBoundedAttemptAndTheEntryStaysQueued(String kind) throws Exception {
        Path file = Files.writeString(dir.resolve("m.eml"), "From: a@example.org\nSubject: x\n\nbody\n");
        try (ServerSocket server = relay(kind)) {
            SmtpRoute route = new SmtpRoute("routed.example", "127.0.0.1", server.getLocalPort(), false, null, true);
            SmtpSender sender = new SmtpSender(Duration.ofSeconds(1));
            long start = System.nanoTime();

            Map<String, SmtpSender.Result> results = sender.send(route, null, file, "a@example.org",
                    List.of("zoe@routed.example"));

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(SmtpSender.Outcome.TEMPORARY, results.get("zoe@routed.example").outcome(), results.toString());
            assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, kind + ": the attempt took " + took);
        }
    }
}
