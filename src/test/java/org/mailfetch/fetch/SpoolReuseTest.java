package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;

/**
 * Review of the session-long spool channels (overwritten from 0, never truncated): a message shorter
 * than the one before it in the same file, a RETR cut half-way into a file that held a longer message,
 * and a retry after a connection lost before the reply must each deliver exactly their own bytes.
 */
@Timeout(120)
class SpoolReuseTest {

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore()
            .with("mailfetch.fetch.read-timeout", "2s")
            .with("mailfetch.fetch.batch-size", "2");

    private final List<String> subjects = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 1; i <= 9; i++) {
            String subject = "spooled " + i;
            // long (several 64 KiB stages, a CR split across writes likely) and short in turn
            String body = i % 3 == 1 ? ("long line " + i + " of filler\r\n").repeat(12000) : "short " + i;
            store.server().add("u" + i, subject, body + "\r\nEND OF " + i);
            subjects.add(subject);
        }
        store.server().overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n"));
    }

    private static boolean retr(ScriptedPop3.Session s, String args, java.io.OutputStream out) throws IOException {
        return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n");
    }

    /** This JVM's open file descriptors on a spool file of this test's data dir (Linux /proc). */
    private List<String> openSpoolFiles() throws IOException {
        List<String> open = new ArrayList<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return open;
        }
        try (Stream<Path> all = Files.list(fds)) {
            for (Path fd : all.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(store.dataDir().resolve("spool").toString())) {
                        open.add(target);
                    }
                } catch (IOException | UnsupportedOperationException gone) {
                    // closed meanwhile
                }
            }
        }
        return open;
    }

    @Test
    void aSessionStoppedByFailuresInARowShouldLeaveNoSpoolFileOpen() throws Exception {
        // every RETR cut mid-message: the session stops after failures in a row, from the iterator
        store.server().overrides.put("RETR", (s, args, out) -> {
            String text = s.msg(args).text();
            ScriptedPop3.write(out, "+OK\r\n" + text.substring(0, text.length() / 2));
            return false;
        });
        Account a = store.fixture().addAccount("spool", store.server().port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertEquals(List.of(), openSpoolFiles(), "no spool file left open: " + s.line());
    }

    @Test
    void shortAfterLongCutMidWriteAndRetriedMessagesShouldEachHoldExactlyTheirOwnBytes() throws Exception {
        AtomicInteger retrs = new AtomicInteger();
        store.server().overrides.put("RETR", (s, args, out) -> {
            int n = retrs.incrementAndGet();
            String text = s.msg(args).text();
            if (args.trim().equals("5") && n < 20 && text.contains("short 5") && s.msg("4").text().length() > 0
                    && retrs.get() == 5) {
                // cut inside message 5, whose file last held long message 3 (or 1)
                ScriptedPop3.write(out, "+OK\r\n" + text.substring(0, text.length() / 2));
                return false;
            }
            if (args.trim().equals("7") && n == 7) {
                return false; // connection lost with RETR 7 unanswered: retried on a new connection
            }
            return retr(s, args, out);
        });
        Account a = store.fixture().addAccount("spool", store.server().port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary first = store.fixture().fetch(a.id());
        SessionSummary second = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, second.result(), first.line() + " / " + second.line());
        List<String> files = store.fixture().delivered();
        List<String> got = new ArrayList<>();
        for (String file : files) {
            String subject = file.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9);
            String i = subject.substring(8);
            String body = Integer.parseInt(i) % 3 == 1 ? ("long line " + i + " of filler\n").repeat(12000) : "short " + i;
            assertTrue(file.endsWith("\n\n" + body + "\nEND OF " + i + "\n"),
                    subject + " ends with its own body, nothing of another message after it: ..."
                            + file.substring(Math.max(0, file.length() - 200)));
            got.add(subject);
        }
        assertEquals(subjects.stream().sorted().toList(), got.stream().sorted().toList());
        assertEquals(List.of(), openSpoolFiles(), "no spool file left open after the sessions");
        try (Stream<Path> left = Files.list(store.dataDir().resolve("spool"))) {
            for (Path d : left.toList()) {
                try (Stream<Path> in = Files.list(d)) {
                    assertEquals(List.of(), in.toList(), "spool files removed at the session's end");
                }
            }
        }
    }
}
