package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mailfetch.testsupport.SafetyAsserts.copies;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;

/**
 * One session against a server that lies, floods, stalls or refuses (issue 8, items 5–16): every
 * case ends with a clear error, the account idle and fetchable, nothing lost, nothing delivered twice.
 */
@Timeout(120)
class HostileServerFetchTest {

    @RegisterExtension
    final ScriptedStore store = new ScriptedStore().with("mailfetch.fetch.read-timeout", "1s");

    private void reconfigure(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        store.reopen(p);
    }

    private Account account(DeleteMode delete) {
        return store.fixture().addAccount("hostile", store.server().port(), "u", "p", delete);
    }

    private AccountStatus status(Account a) {
        return store.fixture().services().status().get(a.id());
    }

    /** The account is idle and its next session runs (permit, lease and status were released). */
    private void assertIdleAndFetchable(Account a) throws Exception {
        assertFalse(status(a).running(), "the account is not left running");
        store.server().greeting = (s, args, out) -> ScriptedPop3.write(out, "+OK ready\r\n");
        store.server().overrides.clear();
        SessionSummary again = store.fixture().fetch(a.id());
        assertTrue(again.result() != SessionSummary.Result.SKIPPED, "the next session runs: " + again.line());
    }

    @Test
    void anEndlessGreetingShouldEndTheSessionWithAProtocolErrorNotAnOutOfMemoryError() throws Exception {
        store.server().greeting = (s, args, out) -> {
            byte[] chunk = "A".repeat(65536).getBytes();
            for (int i = 0; i < 4096; i++) { // 256 MiB, more than a test JVM's heap
                out.write(chunk);
            }
            return false;
        };
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().startsWith("protocol error") && s.error().contains("longer than 8192 bytes"), s.error());
        assertEquals(0, status(a).loginFailures());
        assertIdleAndFetchable(a);
    }

    @Test
    void aStatOf2147483647ShouldBeRefusedClearlyAndTheAccountStayFetchable() throws Exception {
        store.server().add("u1", "one", "1");
        store.server().overrides.put("STAT", (s, args, out) -> ScriptedPop3.write(out, "+OK 2147483647 0\r\n"));
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().contains("2147483647") && s.error().contains("mailfetch.fetch.max-listing"), s.error());
        assertIdleAndFetchable(a);
        assertEquals(1, store.fixture().delivered().size());
    }

    @Test
    void anEndlessUidlReplyShouldBeCutAtTheStatCount() throws Exception {
        store.server().add("u1", "one", "1").add("u2", "two", "2");
        store.server().overrides.put("UIDL", (s, args, out) -> {
            ScriptedPop3.write(out, "+OK\r\n");
            for (int i = 0; i < 10_000_000; i++) {
                out.write(("1 x" + i + "\r\n").getBytes());
            }
            return false;
        });
        Account a = account(DeleteMode.NEVER);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().contains("more than 2 lines"), s.error());
        assertIdleAndFetchable(a);
    }

    @Test
    void aNonNumericMessageNumberShouldBeAClearProtocolError() throws Exception {
        store.server().add("u1", "one", "1");
        store.server().overrides.put("UIDL", (s, args, out) -> ScriptedPop3.write(out, "+OK\r\nxx u1\r\n.\r\n"));
        Account a = account(DeleteMode.NEVER);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().startsWith("protocol error") && s.error().contains("expected a number, got 'xx'"), s.error());
    }

    @Test
    void aUidlLongerThanTheLedgerColumnShouldBeStoredByDigestAndFetchedOnce() throws Exception {
        store.server().add("L".repeat(8000), "long", "long uidl");
        store.server().add("short", "short", "short uidl");
        Account a = account(DeleteMode.NEVER);

        SessionSummary first = store.fixture().fetch(a.id());
        SessionSummary second = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, first.result(), first.line());
        assertEquals(2, first.delivered());
        assertEquals(0, second.downloaded(), second.line());
        assertTrue(store.fixture().services().ledger().load(a.id()).keySet().stream().anyMatch(k -> k.startsWith("sha256-")));
    }

    @Test
    void aRefusedDeleShouldNotBeCountedAndShouldBeTriedAgainNextSession() throws Exception {
        store.server().add("u1", "one", "1").add("u2", "two", "2").add("u3", "three", "3");
        store.server().overrides.put("DELE", (s, args, out) -> {
            if (args.trim().equals("2")) {
                return ScriptedPop3.write(out, "-ERR cannot delete that one\r\n");
            }
            s.deleted.add(Integer.parseInt(args.trim()));
            return ScriptedPop3.write(out, "+OK\r\n");
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(3, s.delivered(), s.line());
        assertEquals(2, s.deleted(), "only the DELEs the server accepted: " + s.line());
        assertEquals(List.of("u2"), store.server().messages.stream().map(ScriptedPop3.Msg::uidl).toList());
        store.server().overrides.clear();

        SessionSummary next = store.fixture().fetch(a.id());

        assertEquals(0, next.downloaded(), next.line());
        assertEquals(1, next.deleted(), next.line());
        assertEquals(List.of(), store.server().messages);
        assertEquals(3, store.fixture().delivered().size());
    }

    @Test
    void aConnectionDroppedAtQuitShouldCountNoDeletion() throws Exception {
        store.server().add("u1", "one", "1").add("u2", "two", "2");
        store.server().overrides.put("QUIT", (s, args, out) -> false);
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(2, s.delivered(), s.line());
        assertEquals(0, s.deleted(), "no +OK to QUIT, no DELE applied: " + s.line());
        assertEquals(2, store.server().messages.size());
        store.server().overrides.clear();

        SessionSummary next = store.fixture().fetch(a.id());

        assertEquals(0, next.downloaded());
        assertEquals(2, next.deleted(), next.line());
        assertEquals(2, store.fixture().delivered().size());
    }

    @Test
    void inUseAndSysTempAtLoginShouldBeTemporaryFailuresNotLoginFailures() throws Exception {
        store.server().add("u1", "one", "1");
        Account a = account(DeleteMode.IMMEDIATELY);
        for (String code : new String[] {"IN-USE", "SYS/TEMP", "IN-USE"}) {
            store.server().overrides.put("PASS", (s, args, out) -> ScriptedPop3.write(out, "-ERR [" + code + "] try later\r\n"));

            SessionSummary s = store.fixture().fetch(a.id());

            assertEquals(SessionSummary.Result.FAILED, s.result());
            assertTrue(s.error().startsWith("temporary failure"), s.error());
        }
        assertEquals(0, status(a).loginFailures(), "three temporary refusals are no reason to back off");
        assertEquals(null, status(a).backoffUntil());
    }

    @Test
    void aMessageLargerThanItsListSizeShouldBeCutOffAtTheLimitAndTheNextMessagesFetched() throws Exception {
        reconfigure("mailfetch.fetch.max-message-size", "4KiB");
        store.server().messages.add(new ScriptedPop3.Msg("liar", ScriptedPop3.message("liar", "x".repeat(70) + "\r\n"), 100));
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (!s.msg(args).uidl().equals("liar")) {
                return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text() + ".\r\n");
            }
            ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text());
            for (int i = 0; i < 100_000; i++) { // 7 MiB and counting
                out.write(("y".repeat(70) + "\r\n").getBytes());
            }
            return ScriptedPop3.write(out, ".\r\n");
        });
        store.server().add("good", "good", "after the liar");
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(1, s.delivered(), s.line());
        assertEquals(1, copies(store.fixture().delivered(), "good"));
        assertEquals(0, copies(store.fixture().delivered(), "liar"));
        assertTrue(s.error().contains("UIDL liar (100 bytes)") && s.error().contains("max-message-size"), s.error());
        assertEquals(List.of("liar"), store.server().messages.stream().map(ScriptedPop3.Msg::uidl).toList(), "the big one stays");
    }

    @Test
    void aMessageListedLargerThanTheLimitShouldNotBeRetrievedAndShouldBeReported() throws Exception {
        reconfigure("mailfetch.fetch.max-message-size", "1KiB");
        store.server().add("big", "big", "b".repeat(2000));
        store.server().add("small", "small", "fits");
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, s.delivered());
        assertEquals(1, store.server().count("RETR"), "the big one is never downloaded");
        assertTrue(s.error().contains("UIDL big (") && s.error().contains("left on the server"), s.error());
        assertEquals(List.of("big"), store.server().messages.stream().map(ScriptedPop3.Msg::uidl).toList());
        assertEquals(s.error(), status(a).lastError());
    }

    @Test
    void aMessageShorterThanItsListSizeShouldNeitherBeDeliveredNorDeleted() throws Exception {
        store.server().messages.add(new ScriptedPop3.Msg("cut", ScriptedPop3.message("cut", "first half"), 5000));
        store.server().add("whole", "whole", "fine");
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().contains("shorter than its LIST size") && s.error().contains("UIDL cut (5000 bytes)"),
                s.error());
        assertEquals(0, copies(store.fixture().delivered(), "cut"));
        assertEquals(1, copies(store.fixture().delivered(), "whole"));
        assertEquals(List.of("cut"), store.server().messages.stream().map(ScriptedPop3.Msg::uidl).toList());
    }

    @Test
    void aUidlReusedAfterItsMessageWasDeletedShouldBeFetchedAsANewMessage() throws Exception {
        store.server().add("1", "first A", "same length");
        Account a = account(DeleteMode.IMMEDIATELY);
        SessionSummary first = store.fixture().fetch(a.id());
        assertEquals(1, first.deleted(), first.line());
        assertEquals(List.of(), store.server().messages);

        store.server().add("1", "second B", "same length"); // same UIDL, same size, new message

        SessionSummary second = store.fixture().fetch(a.id());

        assertEquals(1, second.delivered(), "B is downloaded, not deleted unseen: " + second.line());
        assertEquals(1, copies(store.fixture().delivered(), "first A"));
        assertEquals(1, copies(store.fixture().delivered(), "second B"));
        assertEquals(List.of(), store.server().messages);
    }

    @Test
    void aUidlReusedWithAnotherSizeShouldBeANewMessageEvenWhenNeverDeleted() throws Exception {
        store.server().add("1", "first A", "short");
        Account a = account(DeleteMode.NEVER);
        store.fixture().fetch(a.id());
        store.server().messages.clear(); // another client took A
        store.server().add("1", "second B", "a longer body than before");

        SessionSummary second = store.fixture().fetch(a.id());

        assertEquals(1, second.delivered(), second.line());
        assertEquals(1, copies(store.fixture().delivered(), "second B"));
        assertEquals(2, store.fixture().delivered().size());
    }

    @Test
    void aRepeatedUidlWhoseSuffixShiftsShouldNeitherLoseNorDuplicateMail() throws Exception {
        store.server().add("dup", "first X", "x");
        store.server().add("dup", "second Y", "a longer body y");
        Account a = account(DeleteMode.NEVER);
        SessionSummary first = store.fixture().fetch(a.id());
        assertEquals(2, first.delivered(), first.line());

        store.server().messages.remove(0); // another client took X: Y is now the first "dup"
        SessionSummary second = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, second.result(), second.line());
        assertEquals(1, copies(store.fixture().delivered(), "first X"));
        assertEquals(1, copies(store.fixture().delivered(), "second Y"), "Y under its shifted key is the same file");
        assertEquals(2, store.fixture().delivered().size());
    }

    @Test
    void headerIdenticalMessagesOnAServerWithoutUidlShouldBothBeDelivered() throws Exception {
        store.server().overrides.put("UIDL", (s, args, out) -> ScriptedPop3.write(out, "-ERR no UIDL here\r\n"));
        store.server().add(null, "same", "body one");
        Account a = account(DeleteMode.IMMEDIATELY);
        SessionSummary first = store.fixture().fetch(a.id());
        assertEquals(1, first.deleted(), first.line());

        store.server().add(null, "same", "body two");
        SessionSummary second = store.fixture().fetch(a.id());

        assertEquals(1, second.delivered(), second.line());
        List<String> files = store.fixture().delivered();
        assertEquals(2, files.size());
        assertTrue(files.stream().anyMatch(f -> f.contains("body one")) && files.stream().anyMatch(f -> f.contains("body two")));
    }

    @Test
    void aRepeatedUidlWhoseKeyShiftsOnTheNewConnectionShouldNotDeleteTheUndeliveredMessage() throws Exception {
        store.server().add("x", "a", "short");
        store.server().add("x", "b", "a longer body that makes the second message bigger");
        ScriptedPop3.Msg first = store.server().messages.get(0);
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (s.msg(args).text().contains("Subject: b")) {
                // the download of b breaks off, and meanwhile another client removes a
                store.server().messages.remove(first);
                ScriptedPop3.write(out, "+OK\r\nSubject: b\r\n\r\na longer");
                return false;
            }
            return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text() + ".\r\n");
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        store.fixture().fetch(a.id());

        // on the new connection "x" is b: the key of delivered a now names undelivered b
        assertEquals(1, store.fixture().delivered().size());
        assertEquals(1, store.server().messages.size(), "b is still on the server: " + store.server().received);
        assertTrue(store.server().messages.get(0).text().contains("Subject: b"));
        assertEquals(0, store.server().count("DELE"), "nothing deleted that was not delivered: " + store.server().received);
    }

    @Test
    void aReusedUidlShouldNotBeDeletedWhenTheServerWillNotSayItsSize() throws Exception {
        store.server().add("1", "a", "first");
        Account a = account(DeleteMode.parse("after-days:1"));
        org.mailfetch.testsupport.MutableClock clock = new org.mailfetch.testsupport.MutableClock(java.time.Instant.now());
        store.fixture().fetch(a.id(), clock);
        // another client removes a; b arrives under the same UIDL; the server will not answer LIST
        store.server().messages.clear();
        store.server().add("1", "b", "another message under the same UIDL, of another size");
        store.server().overrides.put("LIST", (s, args, out) -> ScriptedPop3.write(out, "-ERR no LIST here\r\n"));
        clock.advance(java.time.Duration.ofDays(2));

        store.fixture().fetch(a.id(), clock);

        assertEquals(1, store.server().messages.size(), "b is not taken for a: never deleted unseen");
        assertEquals(0, store.server().count("DELE"), store.server().received.toString());
    }

    @Test
    void aRetrThatNeverEndsShouldFailOnlyItsMessageAndBeSkippedAfterThreeSessions() throws Exception {
        store.server().add("u1", "one", "1");
        store.server().messages.add(new ScriptedPop3.Msg("bad", ScriptedPop3.message("bad", "no end"), 60));
        store.server().add("u3", "three", "3");
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (s.msg(args).uidl().equals("bad")) {
                // "." after a bare LF does not end a message: the server then says nothing more
                return ScriptedPop3.write(out, "+OK\r\nSubject: bad\r\n\r\nno end\n.\r\n");
            }
            return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text() + ".\r\n");
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        for (int session = 1; session <= 3; session++) {
            SessionSummary s = store.fixture().fetch(a.id());

            assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
            assertTrue(s.error().startsWith("timed out") && s.error().contains("UIDL bad (60 bytes)")
                    && s.error().contains("failed in " + session + " session"), s.error());
        }
        assertEquals(List.of("bad"), store.server().messages.stream().map(ScriptedPop3.Msg::uidl).toList(),
                "the messages around it were delivered and deleted in the first session");

        SessionSummary fourth = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.OK, fourth.result(), fourth.line());
        assertTrue(fourth.error().contains("UIDL bad (60 bytes) skipped"), fourth.error());
        assertEquals(3, store.server().count("RETR") - 2, "RETR of the bad message in three sessions, then no more");
        assertEquals(2, store.fixture().delivered().size());
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void sizesClaimedInListShouldNotStretchTheSessionDeadline() throws Exception {
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.session-deadline", "3s");
        p.setProperty("mailfetch.fetch.session-deadline-per-mib", "2s");
        p.setProperty("mailfetch.fetch.max-message-size", "1MiB");
        store.reopen(p);
        for (int i = 0; i < 100; i++) { // LIST says 1 MiB each: 200 s of allowance if claims counted
            store.server().messages.add(new ScriptedPop3.Msg("big" + i, ScriptedPop3.message("big " + i, "x"), 1 << 20));
        }
        store.server().overrides.put("RETR", (s, args, out) -> {
            ScriptedPop3.write(out, "+OK\r\n");
            for (int i = 0; i < 600; i++) {
                out.write('z');
                out.flush();
                sleep(100);
            }
            return false;
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        long t0 = System.nanoTime();
        SessionSummary s = store.fixture().fetch(a.id());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        // 3 s plus the allowance of the one message in flight (1 MiB, 2 s), not of all hundred
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "took " + took + ": " + s.line());
        assertTrue(s.error().contains("the session deadline passed"), s.error());
        assertEquals(100, store.server().messages.size());
    }

    @Test
    void aServerSendingOneByteAtATimeShouldBeStoppedByTheSessionDeadlineAndWhatIsDoneDeleted() throws Exception {
        reconfigure("mailfetch.fetch.session-deadline", "3s");
        store.server().add("u1", "one", "1");
        store.server().add("slow", "slow", "trickle");
        store.server().add("u3", "three", "3");
        store.server().overrides.put("RETR", (s, args, out) -> {
            if (!s.msg(args).uidl().equals("slow")) {
                return ScriptedPop3.write(out, "+OK\r\n" + s.msg(args).text() + ".\r\n");
            }
            ScriptedPop3.write(out, "+OK\r\n");
            for (int i = 0; i < 600; i++) {
                out.write('z');
                out.flush();
                sleep(100);
            }
            return false;
        });
        Account a = account(DeleteMode.IMMEDIATELY);

        long t0 = System.nanoTime();
        SessionSummary s = store.fixture().fetch(a.id());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "the deadline (3 s) ends the session, took " + took);
        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().startsWith("the session deadline passed"), s.error());
        assertEquals(1, s.delivered());
        assertEquals(1, s.deleted(), "the delivered message is deleted on a fresh connection: " + s.line());
        assertEquals(List.of("slow", "u3"), store.server().messages.stream().map(ScriptedPop3.Msg::uidl).toList());
        assertFalse(status(a).running());
    }

    @Test
    void aDeliveryFailureShouldStopDownloadingAtOnceAndSaySoPlainly() throws Exception {
        for (int i = 1; i <= 8; i++) {
            store.server().add("u" + i, "m" + i, "body " + i);
        }
        Path mailbox = store.dataDir().resolve("mailboxes/example.com/alice");
        Files.createDirectories(mailbox.getParent());
        Files.writeString(mailbox, "not a directory: every Maildir delivery fails");
        Account a = account(DeleteMode.IMMEDIATELY);

        SessionSummary s = store.fixture().fetch(a.id());

        assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
        assertTrue(s.error().startsWith("delivery failed, downloading stopped"), s.error());
        assertFalse(s.error().contains("Multicast processing failed"), s.error());
        assertTrue(store.server().count("RETR") <= 2, "no more downloads after the failure: " + store.server().count("RETR"));
        assertEquals(8, store.server().messages.size());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
