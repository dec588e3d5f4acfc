package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.cli.Cli;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.HostilePop3Server;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Scenario.Expect;
import org.mailfetch.testsupport.Pop3Scenario.Fault;
import org.mailfetch.testsupport.Pop3Scenario.Message;
import org.mailfetch.testsupport.Pop3Scenario.Quirk;
import org.mailfetch.testsupport.Pop3Scenario;

/**
 * Every way a hostile or broken POP3 server misbehaves ({@link HostilePop3Server}), one row each, run
 * through `account fetch ID` and through the running service. Each row runs its hostile sessions, then
 * the server heals (its messages keep their quirks) and one more session runs. Whatever the server
 * did, the account must end idle and fetchable (the next session, download-now, runs and succeeds),
 * its status must say plainly what went wrong, without raw control bytes, and the mail must be safe:
 * every good message delivered exactly once, nothing delivered twice, no DELE for a message that was
 * not delivered before it, the deleted count what the server really deleted, no login back-off for a
 * temporary refusal, no command from our side with a stray CR, LF or control byte, and an endless
 * reply read only as far as a sane bound.
 * <p>
 * By hand, {@code -Dhostile.rows=greeting,uidl} runs only the rows whose name contains one of the words.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileServerTest {

    /** Sessions a message may fail before it is skipped; the rows of bad messages run this many hostile sessions. */
    private static final int FAILURES_BEFORE_SKIP = 2;
    /** Bigger messages are not delivered. */
    private static final long MAX_MESSAGE_SIZE = 1 << 20;
    /** How far into an endless reply a bounded client may read (its line or listing cap, plus socket buffers). */
    private static final long ENDLESS_READ_BOUND = 8L << 20;
    /** How long one session of the service may take before the account counts as wedged. */
    private static final Duration SESSION_WAIT = Duration.ofSeconds(90);
    private static final int DUPLICATES = 10_000;
    private static final Pattern VERB = Pattern.compile(
            "(USER|PASS|APOP|AUTH|CAPA|STLS|STAT|LIST|UIDL|RETR|TOP|DELE|NOOP|RSET|QUIT)( [\\x20-\\x7e]*)?\r\n");

    enum Via { ACCOUNT_FETCH, SERVICE }

    /**
     * One scenario. {@code firstError} is a pattern the status of the first session must show (found
     * case-insensitively), {@link #OK} when that session must succeed, {@link #EITHER} when a correct
     * client may do either (a clear error, or success).
     */
    record Row(String name, Pop3Scenario scenario, int hostileSessions, String firstError, boolean endless) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String OK = null;
    private static final String EITHER = "";

    static Stream<Arguments> rows() {
        List<Row> rows = List.of(
                new Row("a well-behaved server (control row)", Pop3Scenario.goodMessages(Fault.NONE, 3), 1, OK, false),
                new Row("STAT claims 2147483647 messages", Pop3Scenario.goodMessages(Fault.STAT_HUGE, 3), 1, EITHER,
                        false),
                new Row("LIST says 120 B, RETR streams 32 MiB more", badBetweenGood(Quirk.INFLATED),
                        FAILURES_BEFORE_SKIP, "larger|too large|size", false),
                new Row("an endless greeting", Pop3Scenario.goodMessages(Fault.ENDLESS_GREETING, 3), 1,
                        "too long|longer than|limit|larger", true),
                new Row("an endless +OK line to USER", Pop3Scenario.goodMessages(Fault.ENDLESS_OK_LINE, 3), 1,
                        "too long|longer than|limit|larger", true),
                new Row("an endless UIDL listing", Pop3Scenario.goodMessages(Fault.ENDLESS_UIDL, 3), 1,
                        "too long|longer than|limit|more than|lines|listing", true),
                new Row("slow-loris: one byte a second from the greeting on",
                        Pop3Scenario.goodMessages(Fault.SLOW_LORIS, 3), 1, "deadline", false),
                new Row("slow-loris: one message's RETR at one byte a second", badBetweenGood(Quirk.SLOW),
                        FAILURES_BEFORE_SKIP, "deadline", false),
                new Row("a RETR that never terminates, then good messages", badBetweenGood(Quirk.UNTERMINATED),
                        FAILURES_BEFORE_SKIP, "timed out|no reply", false),
                new Row("a message shorter than its LIST size (unstuffed lone dot)", badBetweenGood(Quirk.TRUNCATED),
                        FAILURES_BEFORE_SKIP, "short|truncat|size|protocol", false),
                new Row("UIDL 1 reused by a new message while the ledger still has it",
                        Pop3Scenario.of(Fault.NONE, Message.good("reused A", "1"),
                                Message.good("reused B", "1").arrivingAfterSession(1)), 1, OK, false),
                new Row("UIDL 1 reused by a new message after the ledger row was purged",
                        Pop3Scenario.of(Fault.NONE, Message.good("reused A", "1"),
                                Message.good("reused B", "1").arrivingAfterSession(2)), 2, OK, false),
                new Row(DUPLICATES + " messages with the same UIDL", duplicates(), 1, EITHER, false),
                new Row("a 10 kB UIDL", Pop3Scenario.of(Fault.NONE, Message.good("good 1", "uid-1"),
                        Message.good("long UIDL", "L".repeat(10_240)), Message.good("good 3", "uid-3")), 1, OK, false),
                new Row("a UIDL with control bytes", Pop3Scenario.of(Fault.NONE, Message.good("good 1", "uid-1"),
                        Message.tolerated("control UIDL", "ctl\u001b[31m\u0007\u0001\u009bx"),
                        Message.good("good 3", "uid-3")), 1, EITHER, false),
                new Row("a non-numeric message number in UIDL", Pop3Scenario.goodMessages(Fault.NON_NUMERIC_UIDL, 3), 1,
                        "protocol", false),
                new Row("a non-numeric message number in LIST", Pop3Scenario.goodMessages(Fault.NON_NUMERIC_LIST, 3), 1,
                        "protocol", false),
                new Row("DELE answered -ERR", Pop3Scenario.goodMessages(Fault.DELE_ERR, 3), 1, "dele|delet", false),
                new Row("the connection dropped at QUIT", Pop3Scenario.goodMessages(Fault.DROP_AT_QUIT, 3), 1,
                        "quit|connection lost", false),
                new Row("-ERR [IN-USE] at login, three times", Pop3Scenario.goodMessages(Fault.LOGIN_IN_USE, 3), 3,
                        "temporary", false),
                new Row("-ERR [SYS/TEMP] at login, three times", Pop3Scenario.goodMessages(Fault.LOGIN_SYS_TEMP, 3), 3,
                        "temporary", false));
        String only = System.getProperty("hostile.rows", "");
        return rows.stream()
                .filter(r -> only.isBlank() || Arrays.stream(only.split(",")).anyMatch(w -> r.name().contains(w.strip())))
                .flatMap(r -> Stream.of(Arguments.of(r, Via.ACCOUNT_FETCH), Arguments.of(r, Via.SERVICE)));
    }

    /** good 1, the bad message, good 2, good 3: the bad one must block neither what comes before nor after it. */
    private static Pop3Scenario badBetweenGood(Quirk quirk) {
        return Pop3Scenario.of(Fault.NONE, Message.good("good 1", "uid-1"), Message.bad("bad message", "uid-bad", quirk),
                Message.good("good 2", "uid-2"), Message.good("good 3", "uid-3"));
    }

    private static Pop3Scenario duplicates() {
        List<Message> all = new ArrayList<>();
        for (int i = 1; i <= DUPLICATES; i++) {
            all.add(Message.good("dup " + i, "dup"));
        }
        return new Pop3Scenario(Fault.NONE, all);
    }

    @TempDir
    Path dataDir;

    private HostilePop3Server server;
    private MailfetchFixture fixture;
    private Sessions sessions;

    @AfterEach
    void tearDown() throws Exception {
        // the server first: a session still hanging on it (a row that failed) gets its connection closed
        if (server != null) {
            server.close();
        }
        if (sessions != null) {
            sessions.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("rows")
    void aHostileServerShouldLeaveTheAccountIdleFetchableAndItsMailSafe(Row row, Via via) throws Exception {
        Properties settings = new Properties();
        settings.setProperty("mailfetch.fetch.connect-timeout", "2s");
        settings.setProperty("mailfetch.fetch.read-timeout", "2s");
        settings.setProperty("mailfetch.fetch.max-message-size", String.valueOf(MAX_MESSAGE_SIZE));
        // short enough for a slow-loris row to take seconds, long enough for the many small messages of one row
        settings.setProperty("mailfetch.fetch.session-deadline", "20s");
        settings.setProperty("mailfetch.fetch.session-deadline-per-mib", "20s");
        settings.setProperty("mailfetch.fetch.message-failures-before-skip", String.valueOf(FAILURES_BEFORE_SKIP));
        settings.setProperty("mailfetch.fetch.max-listing", "100000");
        fixture = new MailfetchFixture(dataDir, settings);
        server = new HostilePop3Server(row.scenario());
        Account account = fixture.addAccount("hostile", server.port(), HostilePop3Server.USER,
                HostilePop3Server.PASSWORD, DeleteMode.IMMEDIATELY);
        sessions = via == Via.ACCOUNT_FETCH ? new AccountFetch(settings, account.id()) : new Service(account.id());

        for (int k = 1; k <= row.hostileSessions(); k++) {
            AccountStatus status = session(k, account.id());
            if (k == 1) {
                assertFirstSession(row, status);
            }
            server.sessionEnded(k);
        }
        if (row.endless()) {
            assertTrue(server.longestReply() < ENDLESS_READ_BOUND, "the client read " + server.longestReply()
                    + " bytes of an endless reply; a bounded read stops long before " + ENDLESS_READ_BOUND);
        }
        server.heal();

        AccountStatus last = session(row.hostileSessions() + 1, account.id());

        assertEquals("ok", last.lastResult(), "after the server healed, a session works: " + last);
        Set<String> good = new HashSet<>(row.scenario().subjects(Expect.DELIVERED));
        Map<String, Integer> delivered = deliveredSubjects();
        assertEquals(List.of(), good.stream().filter(s -> !delivered.containsKey(s)).sorted().limit(20).toList(),
                "good messages never delivered");
        assertEquals(List.of(), server.remaining().stream().filter(good::contains).limit(20).toList(),
                "every good message is deleted by the end (delete immediately)");
        assertOurCommandsClean();
    }

    /** Runs session k and checks what must hold after every session, whatever the server did. */
    private AccountStatus session(int k, long accountId) throws Exception {
        int removedBefore = server.removed().size();
        sessions.run(k);
        AccountStatus s = fixture.services().status().get(accountId);
        String what = "session " + k + ": " + s;
        assertFalse(s.running(), "the account is idle after " + what);
        assertPrintable("lastError", s.lastError());
        assertEquals(0, s.loginFailures(), "nothing here is a refused password: " + what);
        assertNull(s.backoffUntil(), "no login back-off: " + what);
        int removedNow = server.removed().size() - removedBefore;
        assertEquals(removedNow, s.deleted(), () -> "the status counts what the server really deleted (" + removedNow
                + " in this session): " + what);
        assertMailSafe(server.scenario());
        return s;
    }

    private static void assertFirstSession(Row row, AccountStatus s) {
        if (row.firstError() == OK) {
            assertEquals("ok", s.lastResult(), "the first session succeeds: " + s);
            return;
        }
        String error = s.lastError();
        if (row.firstError().equals(EITHER) && (error == null || error.isBlank())) {
            assertEquals("ok", s.lastResult(), "no error, so a success: " + s);
            return;
        }
        assertNotNull(error, "the status says what went wrong: " + s);
        assertFalse(error.isBlank(), "the status says what went wrong: " + s);
        assertFalse(Pattern.compile("exception|java\\.|for input string|multicast processing|outofmemory|^null$",
                Pattern.CASE_INSENSITIVE).matcher(error).find(), "a clear error, not a raw Java one: " + error);
        if (!row.firstError().equals(EITHER)) {
            assertTrue(Pattern.compile(row.firstError(), Pattern.CASE_INSENSITIVE).matcher(error).find(),
                    "the error says what went wrong (" + row.firstError() + "): " + error);
        }
    }

    /**
     * Nothing delivered twice, no stray file, no message deleted before it was delivered, the messages
     * that must never be delivered still on the server, and the ones a client may refuse not lost.
     */
    private void assertMailSafe(Pop3Scenario scenario) throws IOException {
        Map<String, Integer> delivered = deliveredSubjects();
        delivered.forEach((subject, n) -> assertEquals(1, n, "delivered " + n + " times: " + subject));
        Set<String> known = new HashSet<>(scenario.messages().stream().map(Message::subject).toList());
        for (String subject : delivered.keySet()) {
            assertTrue(known.contains(subject), "a Maildir file that is no message of the server: " + subject);
        }
        for (String deleted : server.deleRequested()) {
            assertTrue(delivered.containsKey(deleted), "DELE sent for a message not delivered: " + deleted);
        }
        List<String> remaining = server.remaining();
        for (String kept : scenario.subjects(Expect.KEPT)) {
            assertFalse(delivered.containsKey(kept), "must not be delivered: " + kept);
            assertTrue(remaining.contains(kept), "must stay on the server: " + kept);
        }
        for (String either : scenario.subjects(Expect.EITHER)) {
            assertTrue(delivered.containsKey(either) || remaining.contains(either), "lost: " + either);
        }
    }

    private void assertOurCommandsClean() {
        for (String c : server.commands()) {
            assertTrue(VERB.matcher(c).matches(), "a command with a stray control byte or line end: "
                    + c.replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    /** Subject line of each Maildir file of alice, counted; a file without one counts as "(no subject)". */
    private Map<String, Integer> deliveredSubjects() throws IOException {
        Map<String, Integer> out = new HashMap<>();
        Path root = dataDir.resolve("mailboxes/example.com/alice");
        for (String sub : new String[] {"new", "cur"}) {
            Path dir = root.resolve(sub);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    out.merge(subjectOf(f), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private static String subjectOf(Path file) throws IOException {
        String head = new String(readHead(file), StandardCharsets.ISO_8859_1);
        int at = head.indexOf("\nSubject: ");
        if (at < 0) {
            return "(no subject)";
        }
        int end = head.indexOf('\n', at + 1);
        return head.substring(at + 10, end < 0 ? head.length() : end);
    }

    private static byte[] readHead(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(4096);
        }
    }

    private static void assertPrintable(String what, String s) {
        if (s != null) {
            for (char c : s.toCharArray()) {
                assertFalse(c < 0x20 || (c >= 0x7f && c <= 0x9f), what + " holds a raw control character 0x"
                        + Integer.toHexString(c) + ": " + s.replaceAll("[\\x00-\\x1f\\x7f-\\x9f]", "?"));
            }
        }
    }

    /** How the row's sessions run. */
    private interface Sessions extends AutoCloseable {
        void run(int k) throws Exception;
    }

    /** `account fetch ID` in this JVM, as CliTest runs the command line: its exit code and output are checked. */
    private final class AccountFetch implements Sessions {
        private final Path config;
        private final long accountId;

        AccountFetch(Properties settings, long accountId) throws IOException {
            this.accountId = accountId;
            this.config = dataDir.resolveSibling(dataDir.getFileName() + ".properties");
            Properties p = MailfetchFixture.settings(dataDir, settings);
            try (OutputStream out = Files.newOutputStream(config)) {
                p.store(out, "hostile server test");
            }
        }

        @Override
        public void run(int k) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream realOut = System.out;
            PrintStream realErr = System.err;
            int exit;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try {
                exit = Cli.execute("--data-dir", dataDir.toString(), "--config", config.toString(), "account", "fetch",
                        String.valueOf(accountId));
            } catch (Throwable t) {
                throw new AssertionError("account fetch threw instead of reporting: " + t, t);
            } finally {
                System.setOut(realOut);
                System.setErr(realErr);
            }
            String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
            for (String line : printed.split("\n")) {
                assertPrintable("account fetch output", line);
            }
            String result = fixture.services().status().get(accountId).lastResult();
            assertEquals("ok".equals(result) ? 0 : Cli.FAILED, exit, "exit code for a session that ended " + result
                    + ": " + printed);
        }

        @Override
        public void close() throws IOException {
            Files.deleteIfExists(config);
        }
    }

    /** The running service: the first session is the account's scheduled one, the others are "download now". */
    private final class Service implements Sessions {
        private final FetchEngine engine;
        private final long accountId;

        Service(long accountId) {
            this.accountId = accountId;
            this.engine = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        }

        @Override
        public void run(int k) throws Exception {
            AccountStatus before = fixture.services().status().get(accountId);
            if (k == 1) {
                engine.start();
            } else {
                engine.sessions().downloadNow(accountId);
            }
            try {
                Eventually.await("session " + k + " " + (k == 1 ? "(scheduled)" : "(download now)") + " ran and ended",
                        SESSION_WAIT, () -> {
                            // a session ended: not any change of the row (the engine's start sets the next
                            // run; under load the first scheduled session comes after that)
                            AccountStatus now = fixture.services().status().get(accountId);
                            return !now.running() && now.lastEnd() != null
                                    && !now.lastEnd().equals(before == null ? null : before.lastEnd());
                        });
            } catch (AssertionError e) {
                fail(e.getMessage() + "; status: " + fixture.services().status().get(accountId), e);
            }
        }

        @Override
        public void close() throws Exception {
            engine.close();
        }
    }
}
