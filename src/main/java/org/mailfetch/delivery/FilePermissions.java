package org.mailfetch.delivery;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import org.mailfetch.config.Settings;

/**
 * Owner, group and mode of delivered Maildir files (mailfetch.maildir.*), so that a mail store such
 * as Dovecot running as another user can read them. Directories get the file mode plus x where r is set.
 */
public final class FilePermissions {

    private final Set<PosixFilePermission> fileMode;
    private final Set<PosixFilePermission> dirMode;
    private final Optional<String> owner;
    private final Optional<String> group;

    public FilePermissions(String octalMode, Optional<String> owner, Optional<String> group) {
        this.fileMode = parse(octalMode);
        this.dirMode = EnumSet.copyOf(fileMode);
        addSearch(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_EXECUTE);
        addSearch(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE);
        addSearch(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);
        dirMode.add(PosixFilePermission.OWNER_WRITE);
        this.owner = owner;
        this.group = group;
    }

    public static FilePermissions from(Settings settings) {
        return new FilePermissions(settings.optional("mailfetch.maildir.mode").orElse("0600"),
                settings.optional("mailfetch.maildir.owner"), settings.optional("mailfetch.maildir.group"));
    }

    private void addSearch(PosixFilePermission read, PosixFilePermission execute) {
        if (dirMode.contains(read)) {
            dirMode.add(execute);
        }
    }

    private static Set<PosixFilePermission> parse(String octal) {
        int mode;
        try {
            mode = Integer.parseInt(octal.trim(), 8);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mailfetch.maildir.mode must be an octal mode like 0600, got '" + octal + "'");
        }
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }

    /**
     * Whether a file that {@link org.mailfetch.store.PrivateFiles#open} just created (0600, the service's
     * own) already has what {@link #apply} would set: the default mode, no owner or group configured.
     */
    public boolean privateFileIsFinal() {
        return fileMode.equals(org.mailfetch.store.PrivateFiles.FILE_MODE) && owner.isEmpty() && group.isEmpty();
    }

    /**
     * Sets the file mode and ownership on {@code file} without following a link in its place; only for
     * a file in a directory no other user can write (the staging area), where the name cannot be swapped.
     */
    public void apply(Path file) throws IOException {
        applyFile(Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS));
    }

    /** The configured file mode, owner and group, through a view of one file. */
    void applyFile(PosixFileAttributeView view) throws IOException {
        view.setPermissions(fileMode);
        applyOwnership(view);
    }

    /** A Maildir directory (root, folder, cur/new/tmp): the directory mode, owner and group. */
    void applyMaildirDir(PosixFileAttributeView view) throws IOException {
        view.setPermissions(dirMode);
        applyOwnership(view);
    }

    /**
     * A directory mailfetch walks through to reach the Maildirs ({@code mailboxes/}, the domain dirs):
     * kept owned by the service and writable by it alone, so that no mail user can rename or replace
     * an entry in it (a Maildir, a domain) under our feet; the configured group may read and search it
     * so a mail store reaches the Maildirs. An older version handed these to the mail user: taken back.
     */
    void applyTraversedDir(PosixFileAttributeView view, UserPrincipal service) throws IOException {
        Set<PosixFilePermission> mode = EnumSet.copyOf(dirMode);
        mode.remove(PosixFilePermission.GROUP_WRITE);
        mode.remove(PosixFilePermission.OTHERS_WRITE);
        PosixFileAttributes now = view.readAttributes();
        if (!now.owner().equals(service)) {
            view.setOwner(service);
        }
        if (group.isPresent()) {
            GroupPrincipal g = lookup().lookupPrincipalByGroupName(group.get());
            if (!now.group().equals(g)) {
                view.setGroup(g);
            }
        }
        if (!now.permissions().equals(mode)) {
            view.setPermissions(mode);
        }
    }

    private void applyOwnership(PosixFileAttributeView view) throws IOException {
        if (owner.isPresent()) {
            view.setOwner(lookup().lookupPrincipalByName(owner.get()));
        }
        if (group.isPresent()) {
            view.setGroup(lookup().lookupPrincipalByGroupName(group.get()));
        }
    }

    private static UserPrincipalLookupService lookup() {
        return FileSystems.getDefault().getUserPrincipalLookupService();
    }
}
