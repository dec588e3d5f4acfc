package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.RoutedMail;

/**
 * A message whose header block starts with folded empty lines (" \r\n x\r\n"): Jakarta Mail's
 * InternetHeaders threw IndexOutOfBoundsException on it, which stopped the session at that message
 * (the splitter's header read) or failed every listing of a server without UIDL (its header digest).
 * Now it is delivered by its To like any other, and the mail after it too.
 */
class FoldedFirstLineTest {

    private static final String FOLDED = " \r\n x\r\nFrom: sender@example.org\r\nTo: bob@example.com\r\nSubject: folded"
            + " first\r\n\r\nbody\r\n";

    @TempDir
    Path dataDir;

    @Test
    void aMessageStartingWithFoldedLinesShouldReachItsRecipientAndNotStopTheSession() throws Exception {
        try (ScriptedPop3 server = new ScriptedPop3(); MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            fixture.services().directory().addMailbox("bob@example.com");
            server.messages.add(new ScriptedPop3.Msg("u1", FOLDED));
            server.add("u2", "after it", "plain");
            Account a = RoutedMail.catchAllAccount(fixture, server.port(), false);

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, s.result(), s.line());
            assertEquals(2, s.delivered(), s.line());
            assertEquals(1, fixture.delivered("bob@example.com").size(), "by its To header");
            assertTrue(fixture.delivered("bob@example.com").get(0).contains("Subject: folded first"));
            assertEquals(1, fixture.delivered().size(), "the next message, to its To (the owner)");
        }
    }

    @Test
    void aServerWithoutUidlShouldKeyAMessageStartingWithFoldedLinesAndFetchItOnce() throws Exception {
        try (ScriptedPop3 server = new ScriptedPop3(); MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            server.overrides.put("UIDL", (session, args, out) -> write(out, "-ERR no UIDL here\r\n"));
            server.messages.add(new ScriptedPop3.Msg(null, FOLDED.replace("bob@", "alice@")));
            server.add(null, "after it", "plain");
            Account a = fixture.addAccount("no-uidl", server.port(), "u", "p", DeleteMode.NEVER);

            SessionSummary first = fixture.fetch(a.id());
            SessionSummary second = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, first.result(), first.line());
            assertEquals(2, first.delivered(), first.line());
            assertEquals(0, second.downloaded(), "known by their header digests: " + second.line());
            assertEquals(2, fixture.delivered().size());
            assertEquals(2, fixture.ledgerKeys(a.id()).stream().filter(k -> k.startsWith("hdr-")).count());
        }
    }

    private static boolean write(OutputStream out, String text) throws java.io.IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return true;
    }
}
