package org.mailfetch.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import com.sun.security.auth.module.UnixSystem;
import org.mailfetch.store.PrivateFiles;

/**
 * The tree under {@code mailboxes/} walked safely by a service that may run as root while each
 * Maildir belongs to its mail user (mailfetch.maildir.owner). A mail user owns its Maildir and can put
 * a symbolic link anywhere in it, at any moment; so:
 * <ul>
 * <li>{@code mailboxes/} and the domain dirs stay owned by the service: no mail user can replace a
 *     Maildir (or a domain) with a link to elsewhere;</li>
 * <li>inside a Maildir every directory is opened relative to its parent's open descriptor without
 *     following links (openat O_NOFOLLOW), and the final rename goes between two open descriptors
 *     (renameat), so whatever is done lands under {@code mailboxes/} or is refused;</li>
 * <li>files and new directories are made in a private staging dir ({@code mailboxes/.staging}, 0700,
 *     never reachable by a mail user; no domain starts with a dot), get their owner and mode there,
 *     by path, where no name can be swapped, and are then renamed into the Maildir: root never writes,
 *     chmods or chowns through a name a mail user controls. The Maildir's own tmp/ is the mail
 *     store's; a file renamed from staging into new/ appears whole, just as from tmp/.</li>
 * </ul>
 */
final class MaildirTree {

    static final String STAGING = ".staging";
    private static final List<String> SUBDIRS = List.of("cur", "new", "tmp");

    private final Path mailboxesDir;
    private final FilePermissions permissions;
    /**
     * The staging dir, made (and made private) at the first message of this tree's life — one
     * mailbox in one session — rather than a mkdir, lstat and chmod for every message.
     */
    private Path staging;

    MaildirTree(Path mailboxesDir, FilePermissions permissions) {
        this.mailboxesDir = mailboxesDir;
        this.permissions = permissions;
    }

    /**
     * Makes sure {@code maildir} (a path below {@code mailboxes/}: domain, local part, optional
     * Maildir++ folder) and its cur/ new/ tmp/ exist, creating what is missing owned as configured;
     * refuses when a directory on the way is a link or not a directory.
     */
    void ensureMaildir(Path maildir) throws IOException {
        List<String> names = names(maildir);
        if (names.size() < 2) {
            throw new IllegalArgumentException("not a mailbox below " + mailboxesDir + ": " + maildir);
        }
        try (SecureDirectoryStream<Path> top = openTop(); SecureDirectoryStream<Path> staging = openStaging(top)) {
            sweepStaging();
            // openStaging checked that the staging dir is the service's own
            UserPrincipal service = staging.getFileAttributeView(PosixFileAttributeView.class).getOwner();
            SecureDirectoryStream<Path> domain = openTraversed(top, names.get(0), service);
            List<SecureDirectoryStream<Path>> open = new ArrayList<>(List.of(domain));
            try {
                SecureDirectoryStream<Path> dir = domain;
                for (int i = 1; i < names.size(); i++) {
                    // the root, then a folder such as .Junk (made with its Maildir++ marker)
                    dir = openOrBuild(staging, dir, names.get(i), i == 1 ? Shape.ROOT : Shape.FOLDER,
                            mailboxesDir.resolve(String.join("/", names.subList(0, i + 1))));
                    open.add(dir);
                }
                for (String sub : SUBDIRS) {
                    openOrBuild(staging, dir, sub, Shape.EMPTY, maildir.resolve(sub)).close();
                }
            } finally {
                for (SecureDirectoryStream<Path> d : open) {
                    d.close();
                }
            }
        }
    }

    /** The name in the private staging dir for a message bound for {@code target}, made on first use. */
    Path stagingFile(Path target) throws IOException {
        if (staging == null) {
            staging = PrivateFiles.createDirectories(mailboxesDir.resolve(STAGING));
        }
        Path dir = staging;
        // a leftover of an interrupted attempt under this name is replaced when the file is created
        return dir.resolve(digest(mailboxesDir.relativize(target).toString()));
    }

    /**
     * Renames the staged files to their {@code targets} (…/new/NAME below {@code mailboxes/}, all in
     * the same new/), walking every directory without following links; refuses, and leaves the files
     * staged, when one is a link. The walk — a dozen syscalls and the staging dir's owner check — is
     * done once for all of them, not per file; each rename goes through the descriptor so opened.
     * Stops at the first failure; files renamed before it are in new/ (found again by name).
     */
    void publish(List<Path> stagedFiles, List<Path> targets) throws IOException {
        Path into = targets.get(0).getParent();
        List<String> names = names(targets.get(0));
        try (SecureDirectoryStream<Path> top = openTop(); SecureDirectoryStream<Path> staging = openStaging(top)) {
            List<SecureDirectoryStream<Path>> open = new ArrayList<>();
            try {
                SecureDirectoryStream<Path> dir = top;
                for (int i = 0; i < names.size() - 1; i++) {
                    dir = openDir(dir, names.get(i), mailboxesDir.resolve(String.join("/", names.subList(0, i + 1))));
                    open.add(dir);
                }
                for (int i = 0; i < stagedFiles.size(); i++) {
                    Path target = targets.get(i);
                    if (!into.equals(target.getParent())) {
                        throw new IllegalArgumentException(target + " is not in " + into);
                    }
                    staging.move(stagedFiles.get(i).getFileName(), dir, target.getFileName());
                }
            } finally {
                for (SecureDirectoryStream<Path> d : open) {
                    d.close();
                }
            }
        }
    }

    /**
     * Removes what interrupted attempts left in the staging dir long ago (a message staged before a
     * crash and never fetched again): a staged file lives for one session, a day is far beyond that.
     */
    private void sweepStaging() throws IOException {
        long now = System.nanoTime();
        long last = LAST_SWEEP.get();
        // once in a while, not for every message: listing the staging dir is not free, leftovers are rare
        if (last != 0 && now - last < SWEEP_EVERY.toNanos() || !LAST_SWEEP.compareAndSet(last, now == 0 ? 1 : now)) {
            return;
        }
        java.nio.file.attribute.FileTime dayAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofDays(1)));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(mailboxesDir.resolve(STAGING))) {
            for (Path p : entries) {
                try {
                    // ctime, not mtime: a staged message's mtime is set to its Received date, which may be old
                    var changed = (java.nio.file.attribute.FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
                    if (changed.compareTo(dayAgo) < 0) {
                        deleteTree(p);
                    }
                } catch (NoSuchFileException published) {
                    // another session renamed its staged file into a Maildir meanwhile: nothing to sweep
                }
            }
        }
    }

    private static final java.time.Duration SWEEP_EVERY = java.time.Duration.ofMinutes(10);
    /** When the staging dir was last swept (System.nanoTime), 0 before the first sweep of this process. */
    private static final java.util.concurrent.atomic.AtomicLong LAST_SWEEP = new java.util.concurrent.atomic.AtomicLong();

    private enum Shape { ROOT, FOLDER, EMPTY }

    /** Opens {@code name} below {@code parent}; when it is missing, builds it in staging and renames it in. */
    private SecureDirectoryStream<Path> openOrBuild(SecureDirectoryStream<Path> staging, SecureDirectoryStream<Path> parent,
                                                    String name, Shape shape, Path shown) throws IOException {
        try {
            return openDir(parent, name, shown);
        } catch (NoSuchFileException missing) {
            // built below
        }
        Path built = build(shape);
        try {
            staging.move(built.getFileName(), parent, Path.of(name));
        } catch (FileSystemException raced) {
            // The mail store, another session or another mailfetch process made it meanwhile: use theirs.
            // (renameat(2) onto a directory that has files fails with ENOTEMPTY, which Java reports as a
            // plain FileSystemException.) If there is no such directory, the rename really failed.
            deleteTree(built);
            try {
                return openDir(parent, name, shown);
            } catch (IOException notThere) {
                raced.addSuppressed(notThere);
                throw raced;
            }
        }
        return openDir(parent, name, shown);
    }

    /** A directory of the given shape in the staging dir, modes and owners set, bottom-up. */
    private Path build(Shape shape) throws IOException {
        Path dir = mailboxesDir.resolve(STAGING).resolve("dir-" + UUID.randomUUID());
        Files.createDirectory(dir);
        try {
            shape(dir, shape);
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
        return dir;
    }

    private void shape(Path dir, Shape shape) throws IOException {
        if (shape != Shape.EMPTY) {
            for (String sub : SUBDIRS) {
                Path d = Files.createDirectory(dir.resolve(sub));
                permissions.applyMaildirDir(view(d));
            }
        }
        if (shape == Shape.FOLDER) {
            // Maildir++: the marker tells IMAP servers (Dovecot, Courier) this is a folder, not a root
            Path marker = dir.resolve("maildirfolder");
            PrivateFiles.open(marker, StandardOpenOption.CREATE_NEW).close();
            permissions.apply(marker);
        }
        permissions.applyMaildirDir(view(dir));
    }

    private SecureDirectoryStream<Path> openTop() throws IOException {
        if (!Files.isDirectory(mailboxesDir)) {
            // below the data dir, which is the service's alone (see DataDir): made private, then opened
            PrivateFiles.createDirectories(mailboxesDir);
        }
        DirectoryStream<Path> top = Files.newDirectoryStream(mailboxesDir);
        if (!(top instanceof SecureDirectoryStream<Path> secure)) {
            top.close();
            throw new IOException("this platform cannot open directories without following links;"
                    + " refusing to deliver into " + mailboxesDir);
        }
        return secure;
    }

    private SecureDirectoryStream<Path> openStaging(SecureDirectoryStream<Path> top) throws IOException {
        PrivateFiles.createDirectories(mailboxesDir.resolve(STAGING));
        SecureDirectoryStream<Path> staging = openDir(top, STAGING, mailboxesDir.resolve(STAGING));
        UserPrincipal owner = staging.getFileAttributeView(PosixFileAttributeView.class).getOwner();
        UserPrincipal me = mailboxesDir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Long.toString(new UnixSystem().getUid()));
        if (!owner.equals(me)) {
            staging.close();
            throw new IOException(mailboxesDir.resolve(STAGING) + " belongs to " + owner.getName()
                    + ", not to the service: refusing to deliver");
        }
        return staging;
    }

    /** {@code mailboxes/} itself and a domain dir: created by path (their parent is the service's), kept the service's. */
    private SecureDirectoryStream<Path> openTraversed(SecureDirectoryStream<Path> top, String name, UserPrincipal service)
            throws IOException {
        permissions.applyTraversedDir(top.getFileAttributeView(PosixFileAttributeView.class), service);
        try {
            Files.createDirectory(mailboxesDir.resolve(name));
        } catch (FileAlreadyExistsException exists) {
            // checked by the open below: a directory, not a link
        }
        SecureDirectoryStream<Path> dir = openDir(top, name, mailboxesDir.resolve(name));
        try {
            permissions.applyTraversedDir(dir.getFileAttributeView(PosixFileAttributeView.class), service);
        } catch (IOException e) {
            dir.close();
            throw e;
        }
        return dir;
    }

    /** Opens a directory below an open one, never following a link (O_NOFOLLOW | O_DIRECTORY). */
    private static SecureDirectoryStream<Path> openDir(SecureDirectoryStream<Path> parent, String name, Path shown)
            throws IOException {
        try {
            return parent.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException missing) {
            throw missing;
        } catch (IOException e) {
            throw new IOException("refusing to deliver: " + shown + " is not a plain directory"
                    + " (a symbolic link or a file put there?): " + e.getMessage(), e);
        }
    }

    /** The names from {@code mailboxes/} down to {@code path}, each one plain (no "", ".", ".." or link tricks in names). */
    private List<String> names(Path path) {
        Path rel = mailboxesDir.relativize(path);
        List<String> out = new ArrayList<>();
        for (Path p : rel) {
            String n = p.toString();
            if (n.isEmpty() || n.equals(".") || n.equals("..") || n.equals(STAGING)) {
                throw new IllegalArgumentException("not a path below " + mailboxesDir + ": " + path);
            }
            out.add(n);
        }
        return out;
    }

    private static PosixFileAttributeView view(Path p) {
        return Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
