package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;

class DeleteModeFetchTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private GreenMailUser remote;
    private final List<String> subjects = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        fixture = new MailfetchFixture(dataDir);
        remote = pop3.user("bob", "secret");
        for (int i = 0; i < 3; i++) {
            subjects.add(pop3.deliver(remote));
        }
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void deleteImmediatelyShouldDeliverEveryMessageAndEmptyTheServer() throws Exception {
        Account a = fixture.addAccount("bob", pop3.port(), "bob", "secret", DeleteMode.IMMEDIATELY);

        SessionSummary s = fixture.fetch(a.id());

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(3, s.delivered());
        assertEquals(3, s.deleted());
        assertDeliveredOnce(subjects);
        assertEquals(0, pop3.remaining(remote));
        assertTrue(fixture.delivered().get(0).startsWith("X-Mailfetch-Account: bob\n"), "trace header on top");
    }

    @Test
    void deleteNeverShouldKeepMessagesOnTheServerAndNotDownloadThemTwice() throws Exception {
        Account a = fixture.addAccount("bob", pop3.port(), "bob", "secret", DeleteMode.NEVER);

        fixture.fetch(a.id());
        SessionSummary second = fixture.fetch(a.id());

        assertEquals(0, second.downloaded(), second.line());
        assertEquals(3, pop3.remaining(remote));
        assertDeliveredOnce(subjects);
        assertEquals(3, fixture.ledgerSize(a.id()));
    }

    @Test
    void deleteAfterDaysShouldDeleteOnlyOnceTheDaysHavePassedSinceFirstDownload() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-10T08:00:00Z"));
        Account a = fixture.addAccount("bob", pop3.port(), "bob", "secret", DeleteMode.parse("after-days:3"));

        fixture.fetch(a.id(), clock);
        String late = pop3.deliver(remote);
        clock.advance(Duration.ofDays(2));
        SessionSummary day2 = fixture.fetch(a.id(), clock);
        assertEquals(1, day2.downloaded());
        assertEquals(0, day2.deleted());
        assertEquals(4, pop3.remaining(remote));

        clock.advance(Duration.ofDays(1));
        SessionSummary day3 = fixture.fetch(a.id(), clock);
        assertEquals(0, day3.downloaded());
        assertEquals(3, day3.deleted(), "the first three are due, the late one is not");
        assertEquals(1, pop3.remaining(remote));

        clock.advance(Duration.ofDays(2));
        assertEquals(1, fixture.fetch(a.id(), clock).deleted());
        assertEquals(0, pop3.remaining(remote));
        subjects.add(late);
        assertDeliveredOnce(subjects);
        assertEquals(1, fixture.ledgerSize(a.id()), "the row stays until a listing shows the message gone");
        fixture.fetch(a.id(), clock);
        assertEquals(0, fixture.ledgerSize(a.id()), "rows of messages gone from the server are purged");
    }

    @Test
    void messagesLeftOnTheServerShouldNotBeDownloadedAgainAfterARestart() throws Exception {
        Account a = fixture.addAccount("bob", pop3.port(), "bob", "secret", DeleteMode.NEVER);
        fixture.fetch(a.id());
        fixture.close();

        fixture = new MailfetchFixture(dataDir);
        SessionSummary afterRestart = fixture.fetch(a.id());

        assertEquals(0, afterRestart.downloaded(), afterRestart.line());
        assertDeliveredOnce(subjects);
    }

    private void assertDeliveredOnce(List<String> expected) throws Exception {
        List<String> files = fixture.delivered();
        assertEquals(expected.size(), files.size(), "one Maildir file per message");
        for (String subject : expected) {
            assertEquals(1, files.stream().filter(f -> f.contains("Subject: " + subject + "\n")).count(),
                    "exactly one file with " + subject);
        }
    }
}
