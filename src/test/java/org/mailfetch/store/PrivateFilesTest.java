package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files only the service reads: 0600 however they come to be, with or without the chmod after the open. */
class PrivateFilesTest {

    @TempDir
    Path dir;

    @Test
    void theUmaskReadFromProcShouldBeTheProcesssOwn() throws Exception {
        // a child inherits the umask: the shell's answer is the JVM's
        Process p = new ProcessBuilder("sh", "-c", "umask").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, p.waitFor(), out);
        int umask = Integer.parseInt(out, 8);
        assertEquals((umask & 0600) == 0, PrivateFiles.UMASK_KEEPS_FILE_MODE, "umask " + out);
    }

    @Test
    void filesShouldBe0600WhetherCreatedNewOrOpenedAgain() throws Exception {
        Path fresh = dir.resolve("fresh");
        PrivateFiles.open(fresh, StandardOpenOption.CREATE_NEW).close();
        Path wide = dir.resolve("wide");
        Files.writeString(wide, "an older version's file");
        Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rw-r--r--"));
        PrivateFiles.open(wide, StandardOpenOption.CREATE).close();

        for (Path f : new Path[] {fresh, wide}) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)), f.toString());
        }
    }
}
