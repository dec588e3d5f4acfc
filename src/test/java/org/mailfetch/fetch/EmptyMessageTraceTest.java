package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A 0-byte message (RETR answers "+OK", then the terminating dot at once) is held in memory like any
 * small one. Its Maildir file must still carry mailfetch's trace header: the gathering write of header
 * and message must not stop when the (empty) message is "done" before the header is written.
 */
@Timeout(60)
class EmptyMessageTraceTest {

    @TempDir
    Path dataDir;

    private ScriptedPop3 server;
    private MailfetchFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3();
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "5s");
        fixture = new MailfetchFixture(dataDir, p);
        server.messages.add(new ScriptedPop3.Msg("empty", ""));
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        server.close();
    }

    @Test
    void anEmptyMessageShouldStillBeDeliveredWithItsTraceHeader() throws Exception {
        Account a = fixture.addAccount("empty", server.port(), "u", "p", DeleteMode.NEVER);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, s.delivered(), s.line());
        List<String> files = fixture.delivered();
        assertEquals(1, files.size());
        assertEquals(TraceHeaders.ACCOUNT + ": empty\n", files.get(0),
                "the trace header, then the empty message: nothing lost of what mailfetch writes");
    }
}
