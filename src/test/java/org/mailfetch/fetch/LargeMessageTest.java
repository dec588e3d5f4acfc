package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.ForkedMailfetch;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/**
 * A 50 MB message fetched by a forked `account fetch` with a 96 MB heap: RETR is streamed to the
 * spool and the spool to the Maildir, so memory does not grow with the message; the delivered file
 * is the original with LF line endings and the trace header on top, byte for byte.
 */
class LargeMessageTest {

    private static final int BODY_BYTES = 50 * 1024 * 1024;

    @TempDir
    Path tmp;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private GreenMailUser remote;

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(tmp.resolve("data"));
        remote = pop3.user("bob", "secret");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void aFiftyMegabyteMessageShouldBeFetchedByAFetcherWithA96MegabyteHeapAndDeliveredByteForByte() throws Exception {
        byte[] wire = message(BODY_BYTES, "\r\n");
        byte[] expected = concat("X-Mailfetch-Account: big\n".getBytes(StandardCharsets.US_ASCII), message(BODY_BYTES, "\n"));
        remote.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(wire)));
        wire = null;
        Account a = fixture.addAccount("big", pop3.port(), "bob", "secret", DeleteMode.IMMEDIATELY);

        int exit;
        long t0 = System.nanoTime();
        try (ForkedMailfetch fork = ForkedMailfetch.start(fixture.dataDir(), tmp.resolve("fork.log"),
                Map.of("mailfetch.fetch.read-timeout", "60s"), List.of("-Xmx96m"),
                "account", "fetch", String.valueOf(a.id()))) {
            exit = fork.exitCode(Duration.ofSeconds(120));
            assertEquals(0, exit, fork.output());
            assertTrue(fork.output().contains("delivered 1"), fork.output());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        List<Path> files = newFiles();
        assertEquals(1, files.size(), "one Maildir file");
        Path file = files.get(0);
        assertEquals(expected.length, Files.size(file), "the original size, CRLF turned into LF, plus the trace header");
        assertEquals(sha256(new ByteArrayInputStream(expected)), sha256(Files.newInputStream(file)), "byte for byte");
        assertEquals(0, pop3.remaining(remote), "deleted from the server after delivery");
        System.out.println("50 MB fetched by a forked -Xmx96m fetcher in " + took.toMillis() + " ms");
    }

    /** Headers and a body of random base64 lines (76 characters each), {@code bodyBytes} long with CRLF endings. */
    private static byte[] message(int bodyBytes, String eol) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bodyBytes + 4096);
        String headers = String.join(eol, "From: sender@example.org", "To: bob@pop.example.net", "Subject: large",
                "Message-ID: <large-1@example.org>", "MIME-Version: 1.0", "Content-Type: application/octet-stream",
                "Content-Transfer-Encoding: base64", "", "");
        out.writeBytes(headers.getBytes(StandardCharsets.US_ASCII));
        Random random = new Random(42);
        byte[] raw = new byte[57];
        byte[] end = eol.getBytes(StandardCharsets.US_ASCII);
        Base64.Encoder base64 = Base64.getEncoder();
        for (int line = 0; line < bodyBytes / 78; line++) { // the same lines whatever the line ending
            random.nextBytes(raw);
            out.writeBytes(base64.encode(raw));
            out.writeBytes(end);
        }
        return out.toByteArray();
    }

    private List<Path> newFiles() throws IOException {
        try (Stream<Path> s = Files.list(fixture.dataDir().resolve("mailboxes/example.com/alice/new"))) {
            return s.toList();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
