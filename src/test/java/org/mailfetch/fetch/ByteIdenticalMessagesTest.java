package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * Two byte-identical messages under different UIDLs in one session: one Maildir file, both deleted.
 *
 * <p>Pre-existing (fails on main as on pipe), not part of the reviewed change, left unfixed: both
 * messages get the same base name, hence the same staging name; staging the second deletes the
 * first's staged file, and the batch's commit then fails renaming it a second time (NoSuchFile). The
 * whole batch fails, and so does every later session: a server can wedge an account this way. When
 * the two land in different batches, the first batch's commit may rename (and record, and later
 * DELE) the second's file, which that batch never fsynced.
 */
@Disabled("pre-existing: byte-identical messages in one session share a staging name (see the class comment)")
@Timeout(60)
class ByteIdenticalMessagesTest {

    @TempDir
    Path dataDir;

    private ScriptedPop3 server;
    private MailfetchFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3();
        fixture = new MailfetchFixture(dataDir, new Properties());
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        server.close();
    }

    @Test
    void byteIdenticalMessagesInOneBatchShouldNotFailTheBatch() throws Exception {
        server.add("a", "same", "same body");
        server.add("b", "same", "same body");
        server.add("c", "other", "other body");
        Account a = fixture.addAccount("dup", server.port(), "u", "p", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(2, fixture.delivered().size(), s.line());
        assertEquals(0, server.messages.size(), s.line());
    }
}
