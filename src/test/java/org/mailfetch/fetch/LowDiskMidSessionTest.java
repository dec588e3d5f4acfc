package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.SmallDisk;

/**
 * Free disk is checked before every message, not only when the session starts (issue 8, item 6):
 * on a small file system of its own (a 24 MiB tmpfs, so root only) the disk runs short in the
 * middle of a session; the session stops, and only the delivered messages are deleted. The same
 * when only the Maildir root (mailfetch.maildir.root) is on the small disk.
 */
class LowDiskMidSessionTest {

    @TempDir
    Path tmp;

    private SmallDisk disk;
    private Path dataDir;

    @BeforeEach
    void mount() throws Exception {
        disk = SmallDisk.mount(tmp.resolve("data"), "24m");
        dataDir = disk.dir();
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aDiskThatFillsUpDuringTheSessionShouldStopItAndDeleteOnlyWhatWasDelivered() throws Exception {
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.min-free-disk", "12MiB");
        p.setProperty("mailfetch.fetch.batch-size", "1");
        try (ScriptedPop3 server = new ScriptedPop3(); MailfetchFixture fixture = new MailfetchFixture(dataDir, p)) {
            for (int i = 1; i <= 8; i++) {
                server.add("u" + i, "m" + i, ("line " + i + " ").repeat(30).concat("\r\n").repeat(8000)); // ~2 MiB
            }
            Account a = fixture.addAccount("disk", server.port(), "u", "p", DeleteMode.IMMEDIATELY);

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
            assertTrue(s.error().startsWith("low disk"), s.error());
            assertTrue(s.delivered() > 0 && s.delivered() < 8, s.line());
            assertEquals(s.delivered(), s.deleted(), "exactly the delivered messages are deleted: " + s.line());
            assertEquals(8 - s.delivered(), server.messages.size());
            List<String> files = fixture.delivered();
            assertEquals(s.delivered(), files.size());
            for (ScriptedPop3.Msg left : server.messages) {
                String subject = left.text().split("Subject: ")[1].split("\r\n")[0];
                assertTrue(files.stream().noneMatch(f -> f.contains("Subject: " + subject + "\n")), subject);
            }
        }
    }

    @Test
    void aMaildirRootOnAnotherDiskThatFillsUpShouldStopTheSessionToo() throws Exception {
        // the data dir on the machine's disk, the Maildirs on the small one (mailfetch.maildir.root)
        Path mail = dataDir.resolve("mail");
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.min-free-disk", "16MiB"); // the data dir is not on it: no spool or database
        p.setProperty("mailfetch.fetch.batch-size", "1");
        p.setProperty("mailfetch.maildir.root", mail.toString());
        try (ScriptedPop3 server = new ScriptedPop3();
             MailfetchFixture fixture = new MailfetchFixture(tmp.resolve("data-elsewhere"), p)) {
            for (int i = 1; i <= 8; i++) {
                server.add("u" + i, "m" + i, ("line " + i + " ").repeat(30).concat("\r\n").repeat(8000)); // ~2 MiB
            }
            Account a = fixture.addAccount("disk", server.port(), "u", "p", DeleteMode.IMMEDIATELY);

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
            assertTrue(s.error().startsWith("low disk") && s.error().contains(mail.toString()), s.error());
            assertTrue(s.delivered() > 0 && s.delivered() < 8, s.line());
            assertEquals(s.delivered(), s.deleted(), "exactly the delivered messages are deleted: " + s.line());
            assertEquals(8 - s.delivered(), server.messages.size());
            try (Stream<Path> files = Files.list(mail.resolve("example.com/alice/new"))) {
                assertEquals(s.delivered(), files.count());
            }
        }
    }
}
