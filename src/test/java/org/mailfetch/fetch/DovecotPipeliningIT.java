package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.pop3.Pop3Client;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.Dovecot;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * RETR pipelining against a real Dovecot, which announces PIPELINING: replies to RETRs sent ahead
 * are each message's own, a DELE after RETRs left in flight gets its own reply, a mailbox of small
 * and large messages is delivered once and emptied, and a connection cut inside a pipelined reply
 * loses nothing.
 */
class DovecotPipeliningIT {

    private static final String PASSWORD = "pop-secret";

    @AutoClose
    static Dovecot dovecot;

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    private String user;

    @BeforeAll
    static void startDovecot() throws IOException {
        dovecot = Dovecot.start();
    }

    @BeforeEach
    void setUp() throws IOException {
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "5s");
        fixture = new MailfetchFixture(dataDir, p);
        user = "p" + UUID.randomUUID().toString().substring(0, 8);
        dovecot.addUser(user, PASSWORD);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void repliesToRetrsSentAheadShouldBeEachMessagesOwnAndADeleAfterThemItsOwn() throws Exception {
        List<String> subjects = deliver(4, 0);
        try (Pop3Client c = Pop3Client.open(new Pop3Client.Endpoint(dovecot.host(), dovecot.pop3Port(), Security.NONE,
                null, Duration.ofSeconds(5), Duration.ofSeconds(5)), Long.MAX_VALUE)) {
            c.login(user, PASSWORD);
            assertTrue(c.capabilities().contains("PIPELINING"), "Dovecot announces PIPELINING");
            for (int n = 1; n <= 4; n++) {
                c.sendRetr(n, 1 << 20, -1);
            }
            for (int n = 1; n <= 2; n++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                c.retrieve(n, out, 1 << 20);
                assertTrue(out.toString(StandardCharsets.ISO_8859_1).contains("Subject: " + subjects.get(n - 1) + "\r\n"),
                        "RETR " + n + " gets message " + n);
            }
            assertTrue(c.delete(1).ok(), "DELE 1's own reply, after RETR 3 and 4's were read and thrown away");
            assertTrue(c.quit().ok());
        }
        assertEquals(3, dovecot.messageCount(user));
    }

    @Test
    void aMailboxOfSmallAndLargeMessagesShouldBeDeliveredOnceAndEmptied() throws Exception {
        List<String> subjects = deliver(40, 0);
        subjects.addAll(deliver(3, 1_500_000)); // over the pipeline's byte budget: these go one by one
        subjects.addAll(deliver(10, 0));
        Account a = fixture.addAccount("dovecot", dovecot.pop3Port(), user, PASSWORD, DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(subjects.size(), s.deleted(), s.line());
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
    }

    @Test
    void aConnectionCutInsideAPipelinedReplyShouldLoseNothingAndDeliverNothingTwice() throws Exception {
        List<String> subjects = deliver(12, 0);
        try (FaultProxy proxy = new FaultProxy(dovecot.pop3Port())) {
            Account a = fixture.addAccount("dovecot", proxy.port(), user, PASSWORD, DeleteMode.IMMEDIATELY);
            proxy.cutDuringResponse("RETR", 3);

            SessionSummary cut = fixture.fetch(a.id());

            assertTrue(proxy.faultHappened());
            assertEquals(SessionSummary.Result.FAILED, cut.result(), cut.line());
            assertEquals(subjects.size() - 1, cut.delivered(), "one message cut, the rest on a new connection: " + cut.line());
            assertEquals(1, dovecot.messageCount(user), "only what was delivered is deleted");

            SessionSummary next = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, next.result(), next.line());
            assertEquals(1, next.downloaded(), next.line());
        }
        assertEquals(0, dovecot.messageCount(user));
        assertDeliveredOnce(subjects);
    }

    /** Delivers {@code n} messages with unique subjects, each padded to about {@code size} bytes. */
    private List<String> deliver(int n, int size) throws IOException {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String subject = "pipelined " + UUID.randomUUID();
            StringBuilder text = new StringBuilder("From: sender@example.net\nTo: " + user + "@example.org\nSubject: "
                    + subject + "\n\nBody of " + subject + ".\n.a line that POP3 dot-stuffs\n");
            while (text.length() < size) {
                text.append("x".repeat(76)).append('\n');
            }
            dovecot.deliver(user, text.toString().getBytes(StandardCharsets.US_ASCII));
            subjects.add(subject);
        }
        return subjects;
    }

    /** One Maildir file per subject, each holding its own body, unstuffed, with LF line ends. */
    private void assertDeliveredOnce(List<String> subjects) throws IOException {
        List<String> got = new ArrayList<>();
        for (String file : fixture.delivered()) {
            String subject = file.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9);
            assertTrue(file.contains("\nBody of " + subject + ".\n.a line that POP3 dot-stuffs\n"), "own body: " + subject);
            assertFalse(file.contains("\r"));
            got.add(subject);
        }
        assertEquals(subjects.stream().sorted().toList(), got.stream().sorted().toList());
    }
}
