package org.mailfetch.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * Files only the service user may read (spool, outbox, quarantine, secrets): 0600 files in 0700
 * directories. The mode is given at creation (so the file is never wider, whatever the umask) and
 * then set explicitly (so it is exactly that, whatever the umask took away or an older version left),
 * unless the open itself just created the file and the process's umask takes nothing from 0600.
 */
public final class PrivateFiles {

    public static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final FileAttribute<Set<PosixFilePermission>> DIR_ATTRIBUTE = PosixFilePermissions.asFileAttribute(DIR_MODE);
    private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTRIBUTE =
            PosixFilePermissions.asFileAttribute(FILE_MODE);

    /**
     * Whether the process's umask leaves 0600 whole, read once: the umask is per process and Java
     * cannot change it. Unknown (no /proc) counts as no, so every file is then set 0600 explicitly.
     */
    static final boolean UMASK_KEEPS_FILE_MODE = umaskKeepsFileMode();

    private PrivateFiles() {
    }

    private static boolean umaskKeepsFileMode() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return (Integer.parseInt(line.substring("Umask:".length()).trim(), 8) & 0600) == 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: fall back to the chmod
        }
        return false;
    }

    /** Creates {@code dir} and its missing parents 0700; an existing {@code dir} is set 0700 too. */
    public static Path createDirectories(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, DIR_ATTRIBUTE);
        } catch (FileAlreadyExistsException exists) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " exists and is not a directory (or is a symbolic link)");
            }
        }
        Files.setPosixFilePermissions(dir, DIR_MODE);
        return dir;
    }

    /**
     * Opens {@code file} with {@code options} (plus WRITE), creating it 0600 and never following a
     * symbolic link in its place; an existing file is set 0600 as well.
     */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> opts = new HashSet<>(Set.of(options));
        opts.add(StandardOpenOption.WRITE);
        opts.add(LinkOption.NOFOLLOW_LINKS);
        FileChannel channel = FileChannel.open(file, opts, FILE_ATTRIBUTE);
        if (opts.contains(StandardOpenOption.CREATE_NEW) && UMASK_KEEPS_FILE_MODE) {
            // just created by this open, with 0600 that the umask left whole: a chmod would change nothing
            // (a chmod per Maildir file was one of a small message's dozen syscalls)
            return channel;
        }
        try {
            Files.setPosixFilePermissions(file, FILE_MODE);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return channel;
    }
}
