package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.testsupport.CliCapture;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;

/** Routed mail leaves without a running service: after `account fetch`, and by `outbox send`. */
class OutboxCliTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private ScriptedSmtpServer relay;
    private ByteArrayOutputStream out;

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        relay = new ScriptedSmtpServer("250 2.1.5 ok");
        System.setProperty("mailfetch.fetch.min-free-disk", "1MiB");
    }

    @AfterEach
    void tearDown() throws Exception {
        System.clearProperty("mailfetch.fetch.min-free-disk");
        relay.close();
        pop3.close();
    }

    /** A catch-all box routing routed.example to {@code port}; returns the account id. */
    private long routedAccount(int port) {
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            fixture.services().smtpRoutes().add("routed.example", "127.0.0.1", port, false, null, null);
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
            return a.id();
        }
    }

    private int cli(String... args) {
        CliCapture.Result r = CliCapture.run(dataDir, args);
        out = r.out();
        return r.exit();
    }

    @Test
    void accountFetchShouldSendWhatItsSessionQueuedBeforeItExits() throws Exception {
        long id = routedAccount(relay.port());
        RoutedMail.put(box, "routed", "To: zoe@routed.example");

        assertEquals(0, cli("account", "fetch", String.valueOf(id)));

        assertEquals(1, relay.messages(), "sent by the CLI process itself");
        assertTrue(relay.commands().contains("RCPT TO:<zoe@routed.example>"), relay.commands().toString());
        assertEquals(0, cli("outbox", "list"));
        assertTrue(out.toString().contains("\tsent\t"), out.toString());
    }

    @Test
    void outboxSendShouldDeliverARetriedEntryWithoutTheService() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        long id = routedAccount(closedPort);
        RoutedMail.put(box, "routed later", "To: zoe@routed.example");
        assertEquals(0, cli("account", "fetch", String.valueOf(id)), "the relay being down is the outbox's business");
        assertEquals(0, cli("outbox", "list"));
        String entry = out.toString().split("\t")[0];
        assertTrue(out.toString().contains("\twaiting\t"), out.toString());

        assertEquals(0, cli("route", "remove", "routed.example"));
        assertEquals(0, cli("route", "add", "routed.example", "--host", "127.0.0.1", "--port", String.valueOf(relay.port())));
        assertEquals(0, cli("outbox", "retry", entry));
        assertEquals(0, cli("outbox", "send"));

        assertEquals("tried 1; waiting 0, failed 0, sent 1\n", out.toString());
        assertEquals(1, relay.messages());
        assertEquals(0, cli("outbox", "send"));
        assertEquals("tried 0; waiting 0, failed 0, sent 1\n", out.toString(), "sent once only");
        assertEquals(1, relay.messages());
    }
}
