package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;

/**
 * Large messages on a PIPELINING server: the next RETR is already on the wire while the server
 * answers the one before (the server sends the next message while the session delivers this one),
 * never more than one ahead, and not at all when the two messages together exceed the budget. The
 * server looks at what the client has sent before it answers each RETR.
 */
@Timeout(120)
class LargeRetrAheadTest {

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore().with("mailfetch.fetch.read-timeout", "5s");

    @BeforeEach
    void setUp() throws Exception {
        store.server().overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n"));
    }

    private static String body(int i, int bytes) {
        String line = "line of message " + i + " with some filler to make it long\r\n";
        return line.repeat(bytes / line.length()) + ".dotted end of " + i;
    }

    @Test
    void theNextLargeMessageShouldBeAskedForWhileTheServerSendsThisOne() throws Exception {
        long mib = 1 << 20;
        int[] sizes = {(int) (1.5 * mib), (int) (1.5 * mib), (int) (1.5 * mib), (int) (9 * mib), (int) (9 * mib)};
        assertTrue(sizes[3] + sizes[4] > 16 * mib, "the last two exceed Pop3Retriever.AHEAD_BYTES together");
        for (int i = 0; i < sizes.length; i++) {
            store.server().add("big" + i, "big " + i, body(i, sizes[i]));
        }
        List<Integer> retrsWaiting = new ArrayList<>();
        store.server().overrides.put("RETR", (s, args, out) -> {
            retrsWaiting.add(retrsAlreadySent(s.in));
            return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n");
        });
        Account a = store.fixture().addAccount("large", store.server().port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(sizes.length, s.delivered(), s.line());
        // 1.5+1.5, 1.5+1.5 and 1.5+9 MiB fit the budget: one ahead; 9+9 MiB does not; the last has no next
        assertEquals(List.of(1, 1, 1, 0, 0), retrsWaiting, "RETRs already sent when the server answered each RETR");
        assertEquals(sizes.length, store.server().count("RETR"), "each message asked once");
        List<String> delivered = store.fixture().delivered();
        assertEquals(sizes.length, delivered.size());
        for (String file : delivered) {
            String subject = file.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9);
            int i = Integer.parseInt(subject.substring(4));
            assertTrue(file.endsWith("\n\n" + body(i, sizes[i]).replace("\r\n", "\n") + "\n"), subject + " holds its own body");
        }
        assertEquals(0, store.server().messages.size(), "all deleted at QUIT");
    }

    /**
     * How many RETR lines the client has sent beyond the one being answered: waits up to a second for
     * anything to arrive (a client that sends ahead has done so before it reads this reply), then
     * peeks at what has arrived without taking it from the connection's reader.
     */
    private static int retrsAlreadySent(BufferedReader in) throws IOException {
        long until = System.nanoTime() + 1_000_000_000L;
        while (!in.ready() && System.nanoTime() < until) {
            sleep(10);
        }
        if (!in.ready()) {
            return 0;
        }
        sleep(200); // commands sent together arrive together; give a stray second write time too
        in.mark(64 * 1024);
        int retrs = 0;
        while (in.ready()) {
            String line = in.readLine();
            if (line == null) {
                break;
            }
            if (line.toUpperCase(Locale.ROOT).startsWith("RETR ")) {
                retrs++;
            }
        }
        in.reset();
        return retrs;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
