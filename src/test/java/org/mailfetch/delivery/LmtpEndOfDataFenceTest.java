package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailfetch.recipient.LmtpTarget;

/**
 * The lease fence at LMTP's point of no return: once the final dot is sent the store delivers, so a
 * session that no longer holds its account (EndOfData refuses) must drop the transaction before it —
 * even against a store that reads the DATA late, when everything before the dot already sits in the
 * socket buffers — and the store receives no complete message.
 */
class LmtpEndOfDataFenceTest {

    @Test
    @Timeout(30)
    void aRefusedEndOfDataShouldNeverLetTheStoreReceiveTheFinalDot() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Boolean> gotDot = CompletableFuture.supplyAsync(() -> store(server));
            LmtpClient client = LmtpClient.connect(LmtpTarget.parse("127.0.0.1:" + server.getLocalPort()),
                    Duration.ofSeconds(10), Duration.ofSeconds(20));
            try {
                assertThrows(java.io.IOException.class, () -> client.deliver("a@example.org", List.of("carol@lmtp.example"),
                        new byte[0], new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)),
                        () -> {
                            throw new java.io.IOException("the session no longer holds the account");
                        }));
                assertFalse(client.reusable(), "a transaction dropped half-way leaves the connection unusable");
            } finally {
                client.disarm();
                client.close();
            }
            assertFalse(gotDot.get(20, TimeUnit.SECONDS), "the store received the end of data and would deliver");
        }
    }

    /** A store slow to read DATA: answers 354, reads the body 1.5 s later; true when it got the final dot. */
    private static boolean store(ServerSocket server) {
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
                            return true; // the message is complete: a store delivers it now
                        }
                    }
                    return false;
                }
                out.write("250 ok\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
