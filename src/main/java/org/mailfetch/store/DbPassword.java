package org.mailfetch.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The password of the embedded database's user, random and kept in {@code <data-dir>/mailfetch.db-password}
 * (0600). H2's AUTO_SERVER port is open to every local user; this password is what keeps them out.
 * The file is written and fsynced (with its directory) before the database is told the password, so a
 * crash in between leaves a file whose password the next start can still set.
 */
final class DbPassword {

    static final String FILE = "mailfetch.db-password";

    private DbPassword() {
    }

    /** The password from the file, creating the file first if there is none. */
    static String readOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            create(file);
        }
        String password = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (password.isEmpty()) {
            throw new IOException(file + " is empty: restore it from a backup, or set the password it should"
                    + " hold with H2's ALTER USER and write it there");
        }
        return password;
    }

    private static void create(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // written 0600 under a temporary name, then linked into place: a second process starting at the
        // same moment either wins the link or reads the finished winner, never a half-written file
        Path tmp = file.resolveSibling(FILE + "." + ProcessHandle.current().pid() + ".tmp");
        try (FileChannel out = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(StandardCharsets.US_ASCII.encode(password + "\n"));
            out.force(true);
        }
        try {
            Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException raced) {
            // another process created it first: use theirs
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
