package org.mailfetch.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Configuration and route files picked up from the working directory run with the service's (often
 * root's) rights: a route file is code. A file another local user owns or may write — one planted in
 * /tmp before root ran {@code mailfetch account fetch} there — is refused with an error naming it,
 * like sshd refuses a group-writable authorized_keys.
 */
public final class TrustedFiles {

    private TrustedFiles() {}

    /** Throws when {@code path} (a file, or a folder and every file in it) may be changed by another user. */
    public static void check(Path path) {
        try {
            checkOne(path);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> files = Files.list(path)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        checkOne(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static void checkOne(Path path) throws IOException {
        PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            throw new IllegalStateException(path.toAbsolutePath() + " is a symbolic link: refused (configuration and"
                    + " route files in the working directory must be plain files of this user)");
        }
        String owner = a.owner().getName();
        String me = System.getProperty("user.name");
        if (!owner.equals(me) && !owner.equals("root")) {
            throw new IllegalStateException(path.toAbsolutePath() + " belongs to " + owner + ", not to " + me
                    + " or root: refused (another user could make mailfetch run their routes or settings)");
        }
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalStateException(path.toAbsolutePath() + " is writable by group or others: refused"
                    + " (chmod go-w it)");
        }
    }
}
