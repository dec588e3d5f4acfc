package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.TraceHeaders;

/**
 * A 0-byte message (RETR answers "+OK", then the terminating dot at once) is held in memory like any
 * small one. Its Maildir file must still carry mailfetch's trace header: the gathering write of header
 * and message must not stop when the (empty) message is "done" before the header is written.
 */
@Timeout(60)
class EmptyMessageTraceTest {

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore().with("mailfetch.fetch.read-timeout", "5s");

    @BeforeEach
    void setUp() throws Exception {
        store.server().messages.add(new ScriptedPop3.Msg("empty", ""));
    }

    @Test
    void anEmptyMessageShouldStillBeDeliveredWithItsTraceHeader() throws Exception {
        Account a = store.fixture().addAccount("empty", store.server().port(), "u", "p", DeleteMode.NEVER);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, s.delivered(), s.line());
        List<String> files = store.fixture().delivered();
        assertEquals(1, files.size());
        assertEquals(TraceHeaders.ACCOUNT + ": empty\n", files.get(0),
                "the trace header, then the empty message: nothing lost of what mailfetch writes");
    }
}
