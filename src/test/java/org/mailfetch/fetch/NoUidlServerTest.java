package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

class NoUidlServerTest {

    @TempDir
    Path dataDir;

    @Test
    void serverWithoutUidlShouldBeFetchedOnceByHeaderDigest() throws Exception {
        try (Pop3Server pop3 = new Pop3Server();
             FaultProxy noUidl = new FaultProxy(pop3.port()).refuse("UIDL");
             MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            GreenMailUser mo = pop3.user("mo", "pw");
            for (int i = 0; i < 3; i++) {
                pop3.deliver(mo);
            }
            Account a = fixture.addAccount("mo", noUidl.port(), "mo", "pw", DeleteMode.NEVER);

            SessionSummary first = fixture.fetch(a.id());
            SessionSummary second = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, first.result(), first.line());
            assertEquals(3, first.delivered());
            assertEquals(0, second.downloaded(), second.line());
            assertEquals(3, fixture.delivered().size());
            assertEquals(3, fixture.services().ledger().load(a.id()).keySet().stream()
                    .filter(u -> u.startsWith("hdr-")).count());
        }
    }
}
