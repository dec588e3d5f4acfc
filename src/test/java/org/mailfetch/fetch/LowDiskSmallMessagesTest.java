package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.SmallDisk;

/**
 * Review of the free-disk check once a MiB or 64 messages: a disk already near the margin must not
 * take another MiB of small messages before the next look. On a 24 MiB tmpfs of its own (root only),
 * free space is left 128 KiB above mailfetch.fetch.min-free-disk; 60 messages of 30 KiB follow. The
 * session must stop within a message or two of the margin, as when every message was preceded by a
 * look, not a MiB below it.
 */
class LowDiskSmallMessagesTest {

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
    void smallMessagesOnADiskNearTheMarginShouldStopWithinAMessageOfItNotAMiBPastIt() throws Exception {
        long min = 8L << 20;
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.min-free-disk", "8MiB");
        try (ScriptedPop3 server = new ScriptedPop3(); MailfetchFixture fixture = new MailfetchFixture(dataDir, p)) {
            for (int i = 1; i <= 60; i++) {
                server.add("u" + i, "m" + i, ("small " + i + " ").repeat(40).concat("\r\n").repeat(90)); // ~30 KiB
            }
            Account a = fixture.addAccount("disk", server.port(), "u", "p", DeleteMode.IMMEDIATELY);
            // fill the disk to 128 KiB above the margin
            long free = Files.getFileStore(dataDir).getUsableSpace();
            long fill = free - min - (128 << 10);
            assumeTrue(fill > 0, "room to fill: " + free);
            try (FileChannel f = FileChannel.open(dataDir.resolve("filler"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1 << 16);
                for (long done = 0; done < fill; ) {
                    b.clear().limit((int) Math.min(b.capacity(), fill - done));
                    done += f.write(b);
                }
            }

            SessionSummary s = fixture.fetch(a.id());

            long after = Files.getFileStore(dataDir).getUsableSpace();
            assertEquals(SessionSummary.Result.FAILED, s.result(), s.line());
            assertTrue(s.error().startsWith("low disk"), s.error());
            assertTrue(min - after < 192 << 10, "the session went " + ((min - after) >> 10) + " KiB below the "
                    + (min >> 10) + " KiB margin (" + s.delivered() + " messages of ~30 KiB delivered): " + s.line());
        }
    }
}
