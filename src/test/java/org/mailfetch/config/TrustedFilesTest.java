package org.mailfetch.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings and routes from the working directory are used only when no other user can have written them. */
class TrustedFilesTest {

    @TempDir
    Path dir;

    @Test
    void aFileOfThisUserThatOnlyItMayWriteIsUsed() throws Exception {
        Path f = Files.writeString(dir.resolve("application.properties"), "mailfetch.data-dir=/x\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertDoesNotThrow(() -> TrustedFiles.check(f));
    }

    @Test
    void aGroupOrWorldWritableFileIsRefusedWithItsName() throws Exception {
        Path f = Files.writeString(dir.resolve("application.properties"), "x=1\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrustedFiles.check(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("writable"), e.getMessage());
    }

    @Test
    void aRouteFilePlantedByAnotherUserRefusesTheWholeFolder() throws Exception {
        Path routes = Files.createDirectory(dir.resolve("routes"));
        Path planted = Files.writeString(routes.resolve("fetch-session.camel.yaml"), "- route: {}\n");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-r--r--"));
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(planted, nobody); // the tests run as root, as CI does
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrustedFiles.check(routes));
        assertTrue(e.getMessage().contains("belongs to nobody"), e.getMessage());
    }

    @Test
    void aSymbolicLinkIsRefused() throws Exception {
        Path target = Files.writeString(dir.resolve("real.properties"), "x=1\n");
        Path link = Files.createSymbolicLink(dir.resolve("application.properties"), target);
        assertThrows(IllegalStateException.class, () -> TrustedFiles.check(link));
    }
}
