package org.mailfetch.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
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

    public void apply(Path file) throws IOException {
        Files.setPosixFilePermissions(file, fileMode);
        applyOwnership(file);
    }

    /** Sets the directory mode and ownership on {@code dir} and its parents below {@code top} (exclusive). */
    public void applyToDirectoriesUpTo(Path dir, Path top) throws IOException {
        for (Path d = dir; d != null && !d.equals(top); d = d.getParent()) {
            Files.setPosixFilePermissions(d, dirMode);
            applyOwnership(d);
        }
    }

    private void applyOwnership(Path path) throws IOException {
        if (owner.isEmpty() && group.isEmpty()) {
            return;
        }
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (owner.isPresent()) {
            UserPrincipal user = users.lookupPrincipalByName(owner.get());
            view.setOwner(user);
        }
        if (group.isPresent()) {
            GroupPrincipal g = users.lookupPrincipalByGroupName(group.get());
            view.setGroup(g);
        }
    }
}
