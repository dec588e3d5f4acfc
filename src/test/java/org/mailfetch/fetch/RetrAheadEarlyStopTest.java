package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A session that stops early (here: its lease was taken) while a large RETR sent ahead
 * (Pop3Retriever.AHEAD_BYTES) is still on the wire: what was delivered is committed and deleted, the
 * message in flight is thrown away and stays on the server, nothing is delivered twice, and the next
 * session delivers the rest. Also when the server answers the RETR in flight with -ERR, or cuts the
 * connection in the middle of it.
 */
@Timeout(180)
class RetrAheadEarlyStopTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dataDir;

    private ScriptedPop3 server;
    private MailfetchFixture fixture;
    private Account account;
    private final List<String> subjects = List.of("ahead 1", "ahead 2", "ahead 3", "ahead 4");

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3();
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "5s");
        p.setProperty("mailfetch.fetch.lease", "900ms"); // renewed every 300 ms
        fixture = new MailfetchFixture(dataDir, p);
        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n"));
        // 1 + 1 MiB: over PIPELINE_BYTES, under AHEAD_BYTES; then 1 + 12 MiB: one ahead again
        server.add("u1", subjects.get(0), body(1, MIB));
        server.add("u2", subjects.get(1), body(2, MIB));
        server.add("u3", subjects.get(2), body(3, 12 * MIB));
        server.add("u4", subjects.get(3), body(4, 1000));
        account = fixture.addAccount("ahead", server.port(), "u", "p", DeleteMode.IMMEDIATELY);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        server.close();
    }

    private static String body(int i, int bytes) {
        String line = "line of message " + i + " with some filler to make it long\r\n";
        return line.repeat(Math.max(1, bytes / line.length())) + ".dotted end of " + i;
    }

    private static boolean retr(ScriptedPop3.Session s, String args, OutputStream out) throws java.io.IOException {
        return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n");
    }

    /** Before the server answers RETR 2, another node takes the account's lease; the session notices. */
    private void takeLeaseBeforeAnswering(String number) {
        ScriptedPop3.Reply previous = server.overrides.get("RETR");
        server.overrides.put("RETR", (s, args, out) -> {
            if (args.trim().equals(number)) {
                fixture.services().db().update("UPDATE account_lease SET holder = ?, expires_at = ? WHERE account_id = ?",
                        "other-node", Instant.now().plusSeconds(60), account.id());
                sleep(1500); // the session's renewal (every 300 ms) finds the lease gone
            }
            return previous != null ? previous.send(s, args, out) : retr(s, args, out);
        });
    }

    private void giveLeaseBack() {
        fixture.services().db().update("UPDATE account_lease SET expires_at = ? WHERE account_id = ?",
                Instant.now().minusSeconds(1), account.id());
    }

    /** Each file in the Maildir holds one of the messages, exactly its own bytes, and no message is there twice. */
    private void assertDeliveredOnce(List<Integer> expected) throws Exception {
        List<Integer> got = new ArrayList<>();
        for (String file : fixture.delivered()) {
            String subject = file.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow().substring(9);
            int i = Integer.parseInt(subject.substring(6));
            int size = i == 3 ? 12 * MIB : i == 4 ? 1000 : MIB;
            assertTrue(file.endsWith("\n\n" + body(i, size).replace("\r\n", "\n") + "\n"), subject + " holds its own body");
            got.add(i);
        }
        got.sort(null);
        assertEquals(expected, got, "delivered, each once");
    }

    private List<String> remainingSubjects() {
        List<String> left = new ArrayList<>();
        for (ScriptedPop3.Msg m : server.messages) {
            left.add(m.uidl());
        }
        return left;
    }

    @Test
    void aSessionThatLosesItsLeaseWithALargeRetrInFlightShouldDeleteWhatItDeliveredAndLeaveTheRest() throws Exception {
        takeLeaseBeforeAnswering("2");

        SessionSummary first = fixture.fetch(account.id());

        assertEquals(SessionSummary.Result.FAILED, first.result(), first.line());
        assertTrue(first.line().contains("lease"), first.line());
        assertEquals(1, server.count("RETR 3"), "RETR 3 went out ahead: " + server.received);
        assertDeliveredOnce(List.of(1, 2));
        assertEquals(List.of("u3", "u4"), remainingSubjects(), "what was delivered is deleted at QUIT: " + first.line());

        server.overrides.remove("RETR");
        giveLeaseBack();
        SessionSummary second = fixture.fetch(account.id());

        assertEquals(SessionSummary.Result.OK, second.result(), second.line());
        assertDeliveredOnce(List.of(1, 2, 3, 4));
        assertEquals(List.of(), remainingSubjects());
    }

    @Test
    void aRefusalOfTheRetrInFlightShouldNotKeepTheDeliveredMessagesFromBeingDeleted() throws Exception {
        server.overrides.put("RETR", (s, args, out) -> args.trim().equals("3")
                ? ScriptedPop3.write(out, "-ERR [IN-USE] try later\r\n") : retr(s, args, out));
        takeLeaseBeforeAnswering("2");

        SessionSummary first = fixture.fetch(account.id());

        assertDeliveredOnce(List.of(1, 2));
        assertEquals(List.of("u3", "u4"), remainingSubjects(), first.line());

        server.overrides.remove("RETR");
        giveLeaseBack();
        SessionSummary second = fixture.fetch(account.id());

        assertEquals(SessionSummary.Result.OK, second.result(), second.line());
        assertDeliveredOnce(List.of(1, 2, 3, 4));
        assertEquals(List.of(), remainingSubjects());
    }

    @Test
    void aConnectionCutInsideTheRetrInFlightShouldDeleteNothingAndTheNextSessionShouldFinishTheJob() throws Exception {
        server.overrides.put("RETR", (s, args, out) -> {
            if (args.trim().equals("3")) {
                String text = s.msg(args).text();
                ScriptedPop3.write(out, "+OK\r\n" + text.substring(0, text.length() / 2));
                return false;
            }
            return retr(s, args, out);
        });
        takeLeaseBeforeAnswering("2");

        SessionSummary first = fixture.fetch(account.id());

        assertDeliveredOnce(List.of(1, 2));
        long quits = server.count("QUIT");
        assertEquals(List.of("u1", "u2", "u3", "u4"), remainingSubjects(), "no QUIT on the cut connection: " + first.line());

        server.overrides.remove("RETR");
        giveLeaseBack();
        SessionSummary second = fixture.fetch(account.id());

        assertEquals(SessionSummary.Result.OK, second.result(), second.line() + " (quits before: " + quits + ")");
        assertDeliveredOnce(List.of(1, 2, 3, 4));
        assertEquals(List.of(), remainingSubjects(), "the first two deleted by the next session, the rest delivered and deleted");
    }

    /**
     * The RETR in flight arrives at a slow link's pace: throwing it away takes longer than the short
     * allowance cleaning up gets after the session (connect timeout and two read timeouts), but every
     * chunk comes well within the read timeout. The session reads it at the rate its deadline grants a
     * MiB (mailfetch.fetch.session-deadline-per-mib), so the DELEs of what it delivered still go out.
     */
    @Test
    void aLargeRetrInFlightOnASlowLinkShouldNotCostTheDeletionsOfWhatWasDelivered() throws Exception {
        fixture.close();
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.connect-timeout", "1s");
        p.setProperty("mailfetch.fetch.read-timeout", "2s");
        p.setProperty("mailfetch.fetch.session-deadline-per-mib", "2s");
        p.setProperty("mailfetch.fetch.lease", "900ms");
        fixture = new MailfetchFixture(dataDir.resolve("slow"), p);
        account = fixture.addAccount("ahead", server.port(), "u", "p", DeleteMode.IMMEDIATELY);
        server.overrides.put("RETR", (s, args, out) -> {
            if (!args.trim().equals("3")) {
                return retr(s, args, out);
            }
            // 12 MiB at 1 MiB/s: 12 s, more than the 5 s of the cleanup allowance
            byte[] reply = ("+OK\r\n" + s.msg(args).text().replace("\r\n.", "\r\n..") + ".\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            for (int at = 0; at < reply.length; at += MIB / 4) {
                out.write(reply, at, Math.min(MIB / 4, reply.length - at));
                out.flush();
                sleep(250);
            }
            return true;
        });
        takeLeaseBeforeAnswering("2");

        SessionSummary first = fixture.fetch(account.id());

        assertEquals(1, server.count("RETR 3"), "RETR 3 went out ahead: " + server.received);
        assertDeliveredOnce(List.of(1, 2));
        assertEquals(List.of("u3", "u4"), remainingSubjects(), "what was delivered is deleted at QUIT: " + first.line());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
