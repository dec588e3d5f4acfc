package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;

/**
 * Messages just under, at and just over the size held in memory ({@link SpoolOutput#IN_MEMORY}, as
 * stored: LF line ends, dots unstuffed), mixed with small and large ones so that each memory buffer
 * and spool file is reused by messages of the other kind, each arrive in the Maildir byte for byte.
 */
@Timeout(120)
class InMemorySpoolTest {

    private static final String HEADER = "From: sender@example.org\nTo: alice@example.com\nSubject: ";

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore()
            .with("mailfetch.fetch.read-timeout", "5s")
            .with("mailfetch.fetch.batch-size", "3");

    private final List<String> stored = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        int limit = SpoolOutput.IN_MEMORY;
        int[] sizes = {limit + 1, 120, limit, limit - 1, 3 * limit + 5, 300, limit + 1, limit, 1000};
        for (int i = 0; i < sizes.length; i++) {
            String message = message(i, sizes[i]);
            assertEquals(sizes[i], message.length());
            stored.add(message);
            // on the wire: CRLF line ends, and every line that starts with a dot gets one more
            store.server().messages.add(new ScriptedPop3.Msg("u" + i, message.replace("\n", "\r\n")));
        }
    }

    /** A message of exactly {@code size} bytes as stored, many of its lines starting with a dot. */
    private static String message(int i, int size) {
        StringBuilder m = new StringBuilder(HEADER).append("size ").append(i).append(" of ").append(size).append("\n\n");
        int line = 0;
        while (m.length() < size - 1) {
            String next = (line++ % 3 == 0 ? "." : "") + "line " + line + " of message " + i + " " + "x".repeat(line % 50);
            m.append(next, 0, Math.min(next.length(), size - 1 - m.length())).append('\n');
        }
        if (m.length() < size) {
            m.append('\n');
        }
        return m.toString();
    }

    @Test
    void messagesAroundTheInMemoryLimitShouldEachArriveByteForByte() throws Exception {
        Account a = store.fixture().addAccount("mem", store.server().port(), "u", "p", DeleteMode.NEVER);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(stored.size(), s.delivered(), s.line());
        List<String> files = store.fixture().delivered();
        assertEquals(stored.size(), files.size());
        for (String expected : stored) {
            String subject = expected.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow();
            String file = files.stream().filter(f -> f.contains("\n" + subject + "\n")).findFirst().orElseThrow(
                    () -> new AssertionError("no file for " + subject));
            // the file is mailfetch's trace header, then the message as stored, nothing else
            assertEquals("X-Mailfetch-Account: mem\n" + expected, file, subject);
        }
    }
}
