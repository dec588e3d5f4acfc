package org.mailfetch.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

import com.sun.security.auth.module.UnixSystem;

/**
 * The data dir holds the database, the password key, the database password and mail in flight: no
 * other local user may read or write anything in it. It is created 0700. An existing data dir that
 * is wider is refused at start with the path and the fix: it was not made by this start, and whoever
 * could read it may already hold the key, so the admin must know (and should rotate) rather than have
 * us tighten it silently. Only search permission for the group (0710) is accepted, so a mail store's
 * group can reach {@code mailboxes/}: it lists nothing, and every other entry is 0600/0700. What
 * mailfetch itself keeps at the top (H2's files, key, password, spool/outbox/quarantine) is tightened
 * at every start, whatever the umask or an older version left.
 */
public final class DataDir {

    /** H2's own files and our secrets, at the top of the data dir. */
    private static final Set<String> PRIVATE_DIRS = Set.of("spool", "outbox", "quarantine");

    private static final Set<PosixFilePermission> ALLOWED = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE);

    private DataDir() {
    }

    /** Creates the data dir 0700 or checks an existing one; then tightens what mailfetch keeps at its top. */
    public static void secure(Path dataDir) {
        try {
            if (!Files.exists(dataDir, LinkOption.NOFOLLOW_LINKS)) {
                create(dataDir);
            }
            check(dataDir);
            tightenTop(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the data dir " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static void create(Path dataDir) throws IOException {
        Path parent = dataDir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(dataDir, PrivateFiles.DIR_ATTRIBUTE);
            // the umask may have taken bits away, never added any: set the mode itself
            Files.setPosixFilePermissions(dataDir, PrivateFiles.DIR_MODE);
        } catch (FileAlreadyExistsException raced) {
            // another process created it at the same moment: checked like any existing one
        }
    }

    private static void check(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalStateException("the data dir " + dataDir + " is not a directory");
        }
        int owner = (Integer) Files.getAttribute(dataDir, "unix:uid");
        long me = new UnixSystem().getUid();
        // root may work on the service user's data dir (e.g. the CLI run by the admin); nobody else may
        if (owner != me && me != 0) {
            throw new IllegalStateException("the data dir " + dataDir + " belongs to uid " + owner
                    + ", not to the user running mailfetch (uid " + me + "), who could change its mode at will;"
                    + " fix: chown it to the service user, or run mailfetch as its owner");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dataDir);
        if (!ALLOWED.containsAll(mode)) {
            throw new IllegalStateException("the data dir " + dataDir + " is " + PosixFilePermissions.toString(mode)
                    + ": other local users could read the database, the password key or mail in flight;"
                    + " fix: chmod 700 " + dataDir + " (710 if a mail store's group must reach mailboxes/),"
                    + " check its contents and rotate the database password and key if it was exposed");
        }
    }

    private static void tightenTop(Path dataDir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dataDir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Files.isSymbolicLink(entry)) {
                    continue; // never chmod through a link; nothing of ours is one
                }
                if (PRIVATE_DIRS.contains(name) && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(entry, PrivateFiles.DIR_MODE);
                } else if (name.startsWith("mailfetch.") && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(entry, PrivateFiles.FILE_MODE);
                }
            }
        }
    }

    /**
     * H2 writes its trace file only when something goes wrong, created with the umask: an empty one
     * made 0600 beforehand is appended to instead.
     */
    static void createDatabaseFiles(Path dataDir, String baseName) throws IOException {
        Path trace = dataDir.resolve(baseName + ".trace.db");
        if (!Files.exists(trace, LinkOption.NOFOLLOW_LINKS)) {
            PrivateFiles.open(trace, StandardOpenOption.CREATE).close();
        }
    }

    /** H2 creates its .mv.db and .lock.db with the umask: set them 0600 once they exist. */
    static void tightenDatabaseFiles(Path dataDir, String baseName) {
        for (String suffix : new String[] {".mv.db", ".lock.db", ".trace.db"}) {
            Path f = dataDir.resolve(baseName + suffix);
            try {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(f, PrivateFiles.FILE_MODE);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot make " + f + " private (0600): " + e.getMessage(), e);
            }
        }
    }
}
