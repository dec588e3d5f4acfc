package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.config.Settings;
import org.mailfetch.fetch.pop3.Pop3Exception;
import org.mailfetch.fetch.pop3.Pop3Retriever;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * Listing a big mailbox (issue 12): from 1,000 messages on, LIST and UIDL go out together when CAPA
 * announces PIPELINING, and what the listing says is the same as when they go one at a time, edge
 * cases included (repeated UIDLs, a UIDL reply that leaves a message out, more lines than STAT said).
 */
class BigListingTest {

    /** Above the 1,000 messages from which the listing is pipelined. */
    private static final int BIG = 1200;

    @TempDir
    Path dataDir;

    private ScriptedPop3 server;
    private ExecutorService pool;
    private final AtomicBoolean uidlSentBeforeListReply = new AtomicBoolean();

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3();
        pool = Executors.newSingleThreadExecutor();
        for (int i = 1; i <= BIG; i++) {
            server.add("uid-" + i, "message " + i, "x".repeat(i % 7));
        }
        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n"));
        server.overrides.put("LIST", (s, a, out) -> {
            // the client's UIDL already waiting when LIST is answered: both went out in one go
            uidlSentBeforeListReply.set(s.in.ready());
            StringBuilder b = new StringBuilder("+OK\r\n");
            for (int i = 0; i < s.box.size(); i++) {
                b.append(i + 1).append(' ').append(s.box.get(i).size()).append("\r\n");
            }
            return ScriptedPop3.write(out, b.append(".\r\n").toString());
        });
    }

    @AfterEach
    void tearDown() {
        pool.shutdown();
        server.close();
    }

    private Pop3Retriever connect() throws Exception {
        Properties p = MailfetchFixture.settings(dataDir, new Properties());
        FetchContext context = FetchContext.from(Settings.of(p), Clock.systemUTC(), pool, pool);
        return Pop3Retriever.connect(MailfetchFixture.plain("big", server.port(), "u", DeleteMode.NEVER),
                new Credential.Password("pw"), context, System.nanoTime() + Duration.ofMinutes(1).toNanos());
    }

    @Test
    void aBigListingShouldBePipelinedAndGiveEveryKeyAndSize() throws Exception {
        try (Pop3Retriever r = connect()) {
            List<Retriever.Listed> listing = r.listing();
            assertEquals(BIG, listing.size());
            for (int i = 1; i <= BIG; i++) {
                Retriever.Listed m = listing.get(i - 1);
                assertEquals("uid-" + i, m.uidl());
                assertEquals(server.messages.get(i - 1).size(), m.size());
                assertEquals(i, m.number());
            }
        }
        assertTrue(uidlSentBeforeListReply.get(), "UIDL was sent with LIST, not after its reply");
        assertEquals(1, server.count("CAPA"));
    }

    @Test
    void aServerWithoutPipeliningShouldBeListedOneCommandAtATime() throws Exception {
        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\nUIDL\r\n.\r\n"));
        try (Pop3Retriever r = connect()) {
            assertEquals(BIG, r.listing().size());
            assertEquals("uid-" + BIG, r.listing().get(BIG - 1).uidl());
        }
        assertFalse(uidlSentBeforeListReply.get());
    }

    @Test
    void repeatedUidlsInAPipelinedListingShouldGetSuffixesInListingOrder() throws Exception {
        server.messages.set(9, new ScriptedPop3.Msg("uid-3", ScriptedPop3.message("again", "x")));
        server.messages.set(99, new ScriptedPop3.Msg("uid-3", ScriptedPop3.message("and again", "x")));
        try (Pop3Retriever r = connect()) {
            assertEquals("uid-3", r.listing().get(2).uidl());
            assertEquals("uid-3#2", r.listing().get(9).uidl());
            assertEquals("uid-3#3", r.listing().get(99).uidl());
            assertTrue(r.listing().get(9).positional());
            assertEquals(10, r.find("uid-3#2").number());
        }
    }

    @Test
    void aUidlReplyThatLeavesOutAMessageShouldBeAProtocolError() throws Exception {
        server.overrides.put("UIDL", (s, a, out) -> {
            StringBuilder b = new StringBuilder("+OK\r\n");
            for (int i = 0; i < s.box.size(); i++) {
                if (i != 500) {
                    b.append(i + 1).append(' ').append(s.box.get(i).uidl()).append("\r\n");
                }
            }
            return ScriptedPop3.write(out, b.append(".\r\n").toString());
        });
        Pop3Exception e = assertThrows(Pop3Exception.class, this::connect);
        assertTrue(e.getMessage().contains("leaves out message 501"), e.getMessage());
    }

    @Test
    void aListingLongerThanStatSaidShouldBeAProtocolError() throws Exception {
        server.overrides.put("STAT", (s, a, out) -> ScriptedPop3.write(out, "+OK " + (BIG - 1) + " 0\r\n"));
        Pop3Exception e = assertThrows(Pop3Exception.class, this::connect);
        assertTrue(e.getMessage().contains("not between 1 and " + (BIG - 1))
                || e.getMessage().contains("more than " + (BIG - 1) + " lines"), e.getMessage());
    }
}
