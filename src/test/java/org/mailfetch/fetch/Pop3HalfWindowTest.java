package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;

/**
 * Review of the RETRs topped up by half the window: small and large messages mixed (so PIPELINE_BYTES
 * binds below half the window), one refused with -ERR in the middle of the pipeline, every
 * other message delivered once with its own body, none asked twice on the same connection.
 */
@Timeout(120)
class Pop3HalfWindowTest {

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore().with("mailfetch.fetch.read-timeout", "2s");

    @BeforeEach
    void setUp() throws Exception {
        store.server().overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n"));
    }

    private static String body(int i) {
        return (i % 7 == 3 ? ("large " + i + " filler\r\n").repeat(20000) : "small " + i) + "\r\n.dotted " + i;
    }

    @Test
    void mixedSizesWithARefusalInThePipelineShouldDeliverEachOnceWithItsOwnBody() throws Exception {
        int n = 60;
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            store.server().add("u" + i, "half " + i, body(i));
            if (i != 20) {
                expected.add("half " + i);
            }
        }
        AtomicInteger retrs = new AtomicInteger();
        store.server().overrides.put("RETR", (s, args, out) -> {
            retrs.incrementAndGet();
            if (args.trim().equals("20")) {
                return ScriptedPop3.write(out, "-ERR [IN-USE] locked\r\n");
            }
            return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n");
        });
        Account a = store.fixture().addAccount("half", store.server().port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(n - 1, s.delivered(), s.line());
        assertEquals(n, retrs.get(), "each message asked once: " + s.line());
        List<String> got = new ArrayList<>();
        for (String file : store.fixture().delivered()) {
            String subject = file.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9);
            int i = Integer.parseInt(subject.substring(5));
            assertTrue(file.endsWith("\n\n" + body(i).replace("\r\n", "\n").replace("\n.", "\n.") + "\n"),
                    subject + " holds its own body");
            got.add(subject);
        }
        assertEquals(expected.stream().sorted().toList(), got.stream().sorted().toList());
        assertEquals(1, store.server().messages.size(), "only the refused one stays");
    }
}
