package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailfetch.recipient.LmtpTarget;

/**
 * Review of the lease fence: "an LMTP transaction starts only within what is left and must end inside
 * it" (README). The deadline only closes the client's socket; bytes already written (the final dot
 * among them) are still sent by the kernel after close(), so a store that reads the DATA a moment late
 * receives the complete message, and delivers it, after the deadline, when the session has already
 * counted the transaction as failed (451, deferred) and its hold on the account may have run out.
 */
class LmtpDeadlineReviewTest {

    @Test
    @Timeout(30)
    void theStoreShouldNotReceiveTheFinalDotAfterTheTransactionsDeadline() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> dotAt = CompletableFuture.supplyAsync(() -> store(server));
            long start = System.nanoTime();
            Duration deadline = Duration.ofMillis(500);
            LmtpClient client = LmtpClient.connect(LmtpTarget.parse("127.0.0.1:" + server.getLocalPort()),
                    Duration.ofSeconds(10), deadline);
            Map<String, SmtpReply> replies;
            try {
                replies = client.deliver("a@example.org", List.of("carol@lmtp.example"), new byte[0],
                        new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
            } finally {
                client.disarm();
                client.close();
            }
            long received = dotAt.get(20, TimeUnit.SECONDS);
            long afterDeadlineMs = (received - start - deadline.toNanos()) / 1_000_000;
            assertTrue(received - start <= deadline.toNanos(), "the client saw " + replies + " (deferred), but the"
                    + " store received the complete message, final dot included, " + afterDeadlineMs
                    + " ms after the transaction's deadline, and delivers it");
        }
    }

    /** A store slow to read DATA: answers 354, reads the body 1.5 s later; returns when it got the final dot. */
    private static long store(ServerSocket server) {
        try (Socket s = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            out.write("220 store ready\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.toUpperCase();
                if (verb.startsWith("DATA")) {
                    out.write("354 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(1500); // busy: the DATA waits in the socket buffers
                    while ((line = in.readLine()) != null) {
                        if (line.equals(".")) {
                            return System.nanoTime(); // the message is complete: a store delivers it now
                        }
                    }
                    throw new IllegalStateException("no final dot");
                }
                out.write("250 ok\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            throw new IllegalStateException("no DATA");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
