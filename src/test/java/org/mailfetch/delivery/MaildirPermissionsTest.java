package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

class MaildirPermissionsTest {

    @TempDir
    Path dataDir;

    @Test
    void deliveredFilesShouldTakeTheConfiguredModeAndFoldersTheMatchingSearchBits() throws Exception {
        Properties p = new Properties();
        p.setProperty("mailfetch.maildir.mode", "0640");
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture fixture = new MailfetchFixture(dataDir, p)) {
            pop3.deliver(pop3.user("lee", "pw"));
            Account a = fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.NEVER);

            fixture.fetch(a.id());

            Path newDir = dataDir.resolve("mailboxes/example.com/alice/new");
            Path file;
            try (var files = Files.list(newDir)) {
                file = files.findFirst().orElseThrow();
            }
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(newDir)));
            assertEquals("rwxr-x---", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dataDir.resolve("mailboxes/example.com/alice"))));
        }
    }
}
