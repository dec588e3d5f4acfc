package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.recipient.LmtpTarget;

/** A mail store that trickles, stays silent or hangs up half-way cannot hold a session or make a recipient get mail twice. */
class LmtpStoreFaultsTest {

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

    @Test
    @Timeout(20)
    void aStoreHangingUpAfterTheFirstRecipientsReplyKeepsThatReplyAndDefersOnlyTheRest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread store = new Thread(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
                    out.write("220 store\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (String line; (line = in.readLine()) != null; ) {
                        String reply = line.startsWith("LHLO") ? "250 store" : line.equals("DATA") ? "354 go" : "250 ok";
                        if (line.equals(".")) {
                            out.write("250 2.0.0 <a@example.com> saved\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            return; // and hangs up before b's reply
                        }
                        if (line.startsWith("LHLO") || line.startsWith("MAIL") || line.startsWith("RCPT") || line.equals("DATA")) {
                            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    }
                } catch (IOException ignored) {
                    // done
                }
            });
            store.setDaemon(true);
            store.start();
            LmtpTarget target = LmtpTarget.parse("127.0.0.1:" + server.getLocalPort());
            Map<String, SmtpReply> replies;
            try (LmtpClient client = LmtpClient.connect(target, Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                replies = client.deliver("s@example.org", List.of("a@example.com", "b@example.com"), new byte[0],
                        new ByteArrayInputStream("Subject: x\n\nbody\n".getBytes(StandardCharsets.US_ASCII)), UNFENCED);
            }
            assertEquals(250, replies.get("a@example.com").code(), "a has it: recorded, never delivered again");
            assertEquals(451, replies.get("b@example.com").code(), "b is tried again next session");
        }
    }

    @Test
    @Timeout(20)
    void aStrayReplyAfterTheTransactionRetiresTheConnectionAndTheNextMessageGetsANewOne() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            AtomicInteger connections = new AtomicInteger();
            // after DATA: the one reply, and one nobody asked for — which would answer the next RSET
            startStore(server, connections, "354 go", "250 2.0.0 saved\r\n250 2.0.0 stray");
            LmtpTarget target = LmtpTarget.parse("127.0.0.1:" + server.getLocalPort());
            try (LmtpConnections connectionsOfSession = new LmtpConnections()) {
                LmtpClient first = connectionsOfSession.acquire(target, Duration.ofSeconds(5), Duration.ofSeconds(10));
                Map<String, SmtpReply> replies = deliverOne(first);
                assertEquals(250, replies.get("a@example.com").code());
                Thread.sleep(200); // the stray line arrives
                connectionsOfSession.release(target, first);
                LmtpClient second = connectionsOfSession.acquire(target, Duration.ofSeconds(5), Duration.ofSeconds(10));
                assertNotSame(first, second, "a connection out of step is never reused");
                assertEquals(250, deliverOne(second).get("a@example.com").code());
                connectionsOfSession.release(target, second);
            }
            assertEquals(2, connections.get());
        }
    }

    @Test
    @Timeout(20)
    void aStrayReplyOnAUnixSocketAlsoRetiresTheConnection() throws Exception {
        Path socket = dir.resolve("lmtp-stray");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread store = new Thread(() -> {
                try (SocketChannel c = server.accept()) {
                    c.write(ByteBuffer.wrap("220 store\r\n".getBytes(StandardCharsets.US_ASCII)));
                    ByteBuffer b = ByteBuffer.allocate(100);
                    c.read(b); // LHLO
                    c.write(ByteBuffer.wrap("250 store\r\n".getBytes(StandardCharsets.US_ASCII)));
                    Thread.sleep(300); // after the client read the LHLO reply: a reply nobody asked for
                    c.write(ByteBuffer.wrap("250 2.0.0 stray\r\n".getBytes(StandardCharsets.US_ASCII)));
                    c.read(ByteBuffer.allocate(100)); // until the client hangs up
                } catch (IOException | InterruptedException ignored) {
                    // closed
                }
            });
            store.setDaemon(true);
            store.start();
            try (LmtpClient client = LmtpClient.connect(LmtpTarget.parse("unix:" + socket), Duration.ofSeconds(5),
                    Duration.ofSeconds(10))) {
                assertTrue(client.reusable(), "nothing waiting yet");
                Thread.sleep(800);
                assertFalse(client.reusable(), "the stray reply would answer the next RSET");
            }
        }
    }

    @Test
    @Timeout(20)
    void aStoreAnsweringDataWith250IsOutOfStepAndNoRecipientCountsAsDelivered() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            startStore(server, new AtomicInteger(), "250 2.0.0 ok", "250 2.0.0 saved");
            LmtpTarget target = LmtpTarget.parse("127.0.0.1:" + server.getLocalPort());
            try (LmtpClient client = LmtpClient.connect(target, Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                assertThrows(IOException.class, () -> deliverOne(client), "deferred, never recorded");
                assertFalse(client.reusable());
            }
        }
    }

    @Test
    @Timeout(20)
    void aConnectionThatLostAReplyAfterDataIsNotReused() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            startStore(server, new AtomicInteger(), "354 go", null); // hangs up instead of answering
            LmtpTarget target = LmtpTarget.parse("127.0.0.1:" + server.getLocalPort());
            try (LmtpClient client = LmtpClient.connect(target, Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                assertEquals(451, deliverOne(client).get("a@example.com").code());
                assertFalse(client.reusable());
            }
        }
    }

    /** A session holding its account for long: the end of DATA always goes, replies within 10 s. */
    private static final LmtpClient.EndOfData UNFENCED = () -> Duration.ofSeconds(10);

    private static Map<String, SmtpReply> deliverOne(LmtpClient client) throws IOException {
        return client.deliver("s@example.org", List.of("a@example.com"), new byte[0],
                new ByteArrayInputStream("Subject: x\n\nbody\n".getBytes(StandardCharsets.US_ASCII)), UNFENCED);
    }

    /**
     * A store serving connections one after another: 250 to everything, {@code dataReply} to DATA and,
     * after the message, {@code afterData} (null: hang up).
     */
    private static void startStore(ServerSocket server, AtomicInteger connections, String dataReply, String afterData) {
        Thread store = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
                    connections.incrementAndGet();
                    out.write("220 store\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    boolean inData = false;
                    for (String line; (line = in.readLine()) != null; ) {
                        String reply;
                        if (inData) {
                            if (!line.equals(".")) {
                                continue;
                            }
                            inData = false;
                            if (afterData == null) {
                                break;
                            }
                            reply = afterData;
                        } else if (line.equals("DATA")) {
                            inData = dataReply.startsWith("354");
                            reply = dataReply;
                        } else if (line.equals("QUIT")) {
                            break;
                        } else {
                            reply = "250 ok";
                        }
                        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // next connection
                }
            }
        });
        store.setDaemon(true);
        store.start();
    }
}
