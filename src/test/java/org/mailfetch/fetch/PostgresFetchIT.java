package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.Postgres;

/**
 * The service on PostgreSQL: its scheduled session fetches a POP3 mailbox into Maildir, the ledger and
 * status rows are in PostgreSQL, the server copies are deleted, and a second session finds nothing new.
 */
class PostgresFetchIT {

    @TempDir
    Path dir;

    @Test
    void theServiceOnPostgresqlShouldDeliverEveryMessageOnceIntoMaildirAndRecordItThere() throws Exception {
        Postgres pg = Postgres.shared();
        String database = pg.createDatabase();
        Properties db = pg.settings(database, dir);
        Path dataDir = dir.resolve("data");
        // a shared database wants the shared roots set explicitly (SharedRoots); where the fixture looks
        db.setProperty("mailfetch.maildir.root", dataDir.resolve("mailboxes").toAbsolutePath().toString());
        db.setProperty("mailfetch.spool.root", dataDir.toAbsolutePath().toString());
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture f = new MailfetchFixture(dataDir, db)) {
            GreenMailUser kim = pop3.user("kim", "pw");
            List<String> subjects = List.of(pop3.deliver(kim), pop3.deliver(kim), pop3.deliver(kim));
            Account a = f.addAccount("kim", pop3.port(), "kim", "pw", DeleteMode.IMMEDIATELY);

            try (FetchEngine service = new FetchEngine(f.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
                service.start();
                Eventually.await("the scheduled session emptied the mailbox", Duration.ofSeconds(60),
                        () -> pop3.remaining(kim) == 0 && "ok".equals(f.services().status().get(a.id()).lastResult()));
            }

            List<String> delivered = f.delivered();
            assertEquals(3, delivered.size(), String.valueOf(delivered));
            for (String subject : subjects) {
                assertEquals(1, delivered.stream().filter(m -> m.contains("Subject: " + subject)).count(), subject);
            }
            assertEquals("3", pg.psql(database, "SELECT count(*) FROM uidl_ledger WHERE account_id = " + a.id()
                    + " AND deleted_at IS NOT NULL").strip());
            assertEquals("ok|3|3", pg.psql(database, "SELECT last_result, delivered, deleted FROM account_status"
                    + " WHERE account_id = " + a.id()).strip());
            assertEquals(0, f.fetch(a.id()).downloaded(), "nothing is fetched twice");
            assertEquals(3, f.delivered().size());
            assertFalse(Files.exists(dataDir.resolve("mailfetch.mv.db")), "no embedded database besides PostgreSQL");
            assertTrue(Files.isDirectory(dataDir.resolve("mailboxes/example.com/alice/new")));
        }
    }
}
