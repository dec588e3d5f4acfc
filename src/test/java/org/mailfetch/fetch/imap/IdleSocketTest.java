package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocketFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bounds of an IDLE connection's socket against a scripted server: what Angus' IdleManager
 * thread would read must end (fail) quickly, whatever the server streams.
 */
class IdleSocketTest {

    private ServerSocket listener;
    private IdleSocket socket;

    @AfterEach
    void tearDown() throws IOException {
        if (socket != null) {
            socket.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    /** A socket bounded to 300 KB per response, 1 s per response, 1000 messages, reading what {@code script} writes. */
    private InputStream serve(Consumer<OutputStream> script) throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket c = listener.accept()) {
                script.accept(c.getOutputStream());
            } catch (IOException | RuntimeException e) {
                // the client hung up, as it should
            }
        }, "scripted-idle");
        t.setDaemon(true);
        t.start();
        socket = new IdleSocket((SSLSocketFactory) SSLSocketFactory.getDefault(), false, 5000, 300_000, 1000, 1000);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5000);
        return socket.getInputStream();
    }

    private static void write(OutputStream out, String s) {
        try {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static IOException drain(InputStream in) {
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> {
            byte[] buf = new byte[2048];
            while (in.read(buf) >= 0) {
                // Angus would keep all of it as one response
            }
        });
        assertTrue(System.nanoTime() - start < 4_000_000_000L, "failed quickly");
        return e;
    }

    @Test
    void aChainOfLiteralsIsOneResponseAndFailsAtTheLimit() throws IOException {
        InputStream in = serve(out -> {
            String chunk = "z".repeat(262_000);
            write(out, "* 1 FETCH (X {262000}\r\n");
            for (int i = 0; i < 100; i++) { // 26 MB unless cut
                write(out, chunk + " {262000}\r\n");
            }
        });
        IOException e = drain(in);
        assertTrue(e.getMessage().contains("a literal of 262000 bytes") || e.getMessage().contains("longer than"),
                e.getMessage());
    }

    @Test
    void negativeLiteralsFail() throws IOException {
        InputStream in = serve(out -> {
            for (int i = 0; i < 100_000; i++) {
                write(out, "* OK x {-1}\r\n");
            }
        });
        IOException e = drain(in);
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void zeroLiteralsCountAsOneResponse() throws IOException {
        InputStream in = serve(out -> {
            String line = "* OK " + "x".repeat(1000) + " {0}\r\n";
            for (int i = 0; i < 1000; i++) {
                write(out, line);
            }
        });
        IOException e = drain(in);
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    @Test
    void aResponseDrippedAsSmallLiteralsFailsOnTheResponseClock() throws IOException {
        InputStream in = serve(out -> {
            write(out, "* 1 FETCH (X {1}\r\n");
            for (int i = 0; i < 100; i++) {
                write(out, "z {1}\r\n");
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        IOException e = drain(in);
        assertTrue(e.getMessage().contains("ms to arrive"), e.getMessage());
    }

    @Test
    void hugeExistsAndMessageZeroFail() throws IOException {
        InputStream in = serve(out -> write(out, "* 3 EXISTS\r\n* 2147483000 EXISTS\r\n"));
        IOException e = drain(in);
        assertTrue(e.getMessage().contains("2147483000 EXISTS"), e.getMessage());
        tearDown();
        in = serve(out -> write(out, "* 2 EXPUNGE\r\n* 0 EXPUNGE\r\n"));
        e = drain(in);
        assertTrue(e.getMessage().contains("0 EXPUNGE"), e.getMessage());
        tearDown();
        in = serve(out -> write(out, "* 0 FETCH (FLAGS (\\Seen))\r\n"));
        e = drain(in);
        assertTrue(e.getMessage().contains("0 FETCH"), e.getMessage());
    }

    @Test
    void aStreamOfSmallResponsesLetsTheSelectorThreadGo() throws IOException {
        InputStream in = serve(out -> {
            byte[] many = "* OK still here\r\nA1 OK done\r\n".repeat(1000).getBytes(StandardCharsets.ISO_8859_1);
            for (;;) {
                try {
                    out.write(many);
                } catch (IOException e) {
                    return;
                }
            }
        });
        long start = System.nanoTime();
        byte[] buf = new byte[256];
        // as Angus' handleIdle: read responses while available() > 0
        do {
            if (in.read(buf) < 0) {
                break;
            }
        } while (in.available() > 0 && System.nanoTime() - start < 5_000_000_000L);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 2000, "handed the thread back after " + ms + " ms");
    }
}
