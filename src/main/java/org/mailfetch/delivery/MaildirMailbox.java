package org.mailfetch.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.mailfetch.mail.Folders;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.PrivateFiles;

/**
 * One local mailbox as a Maildir++ root: {@code <data-dir>/mailboxes/<domain>/<local-part>/} with
 * cur/ new/ tmp/, and the spam folder {@code .Junk/}. A message is written to the private staging dir
 * first (see {@link MaildirTree}: the Maildir may belong to a mail user who controls every name in
 * it) and becomes visible only by {@link DeliveryBatch#commit()}, after fsync, by rename into new/.
 */
public final class MaildirMailbox {

    /** The Maildir++ spam folder below the root. */
    public static final String JUNK = Folders.JUNK;

    private final Path root;
    private final FilePermissions permissions;
    private final MaildirTree tree;
    private final Set<Path> ready = new HashSet<>();
    private Set<String> delivered;
    /** Base names staged by this session, in any folder: see {@link #stagedThisSession}. */
    private final Set<String> stagedNow = new HashSet<>();

    public MaildirMailbox(Path mailboxesDir, MailAddress address, FilePermissions permissions) {
        this.root = mailboxesDir.resolve(address.domain()).resolve(address.localPart());
        this.permissions = permissions;
        this.tree = new MaildirTree(mailboxesDir, permissions);
    }

    public Path root() {
        return root;
    }

    /**
     * Whether a file with this base name is already in new/ or cur/ (a mail client may have moved it
     * there and appended flags): makes re-delivery after a crash idempotent. The index is read once
     * per session; what this session stages is in {@link #stagedThisSession} instead.
     */
    public boolean contains(String baseName) throws IOException {
        if (delivered == null) {
            delivered = new HashSet<>();
            // the inbox and the spam folder: a message delivered into .Junk is found there again
            for (String sub : new String[] {"new", "cur", JUNK + "/new", JUNK + "/cur"}) {
                Path dir = root.resolve(sub);
                if (Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                        for (Path f : files) {
                            String name = f.getFileName().toString();
                            int flags = name.indexOf(':');
                            delivered.add(flags < 0 ? name : name.substring(0, flags));
                        }
                    }
                }
            }
        }
        return delivered.contains(baseName);
    }

    /**
     * Whether this session (a mailbox object lives for one) already staged a file of this base name.
     * Base names follow the content, so two messages with the same bytes under two UIDLs get one
     * name: the second must not be staged again under the first's staging name, where it would
     * replace a file its batch may not have fsynced, and then fail that batch's second rename.
     */
    public boolean stagedThisSession(String baseName) {
        return stagedNow.contains(baseName);
    }

    /**
     * Writes {@code header} followed by {@code body} to tmp/{@code baseName}; the file is not yet
     * durable or visible. Returns what the batch needs to finish the delivery.
     */
    public DeliveryBatch.Staged stage(String baseName, byte[] header, InputStream body, Instant modified) throws IOException {
        return stage(null, baseName, header, body, modified);
    }

    /** Stages a message held in memory (a notice mailfetch writes itself); {@code folder} null is the inbox. */
    public DeliveryBatch.Staged stage(String folder, String baseName, byte[] message, Instant modified) throws IOException {
        return stage(folder, baseName, new byte[0], new java.io.ByteArrayInputStream(message), modified);
    }

    /**
     * Like {@link #stage(String, byte[], InputStream, Instant)} into a Maildir++ folder such as
     * {@link #JUNK} (created with its {@code maildirfolder} marker); null is the inbox.
     */
    public DeliveryBatch.Staged stage(String folder, String baseName, byte[] header, InputStream in, Instant modified)
            throws IOException {
        return stage(folder, baseName, header, (out, top) -> {
            while (top.hasRemaining()) {
                out.write(top);
            }
            in.transferTo(Channels.newOutputStream(out));
        }, modified);
    }

    /** A message's bytes: {@code header}, then the message, written into the open staging file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel out, ByteBuffer header) throws IOException;
    }

    /**
     * Like {@link #stage(String, String, byte[], InputStream, Instant)} with the body written by
     * {@code body} straight into the staging file's channel: a spooled message is copied file to file
     * inside the kernel ({@link FileChannel#transferTo}) instead of through Java buffers in 8 KiB chunks.
     */
    public DeliveryBatch.Staged stage(String folder, String baseName, byte[] header, Body body, Instant modified)
            throws IOException {
        Path dir = folder(folder);
        if (ready.add(dir)) {
            try {
                tree.ensureMaildir(dir);
            } catch (IOException | RuntimeException e) {
                ready.remove(dir);
                throw e;
            }
        }
        Path target = dir.resolve("new").resolve(baseName);
        Path tmp = tree.stagingFile(target);
        try (FileChannel out = createStaged(tmp)) {
            body.writeTo(out, ByteBuffer.wrap(header));
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (modified != null) {
            Files.setLastModifiedTime(tmp, FileTime.from(modified));
        }
        if (!permissions.privateFileIsFinal()) {
            permissions.apply(tmp);
        }
        stagedNow.add(baseName);
        return new DeliveryBatch.Staged(this, tmp, target, baseName);
    }

    /**
     * Creates the staging file, never opening one that exists; a leftover of an interrupted attempt
     * (the staging dir is private, so the name is ours to reuse) is removed and the create tried once
     * more. Looking for a leftover before every create cost a lookup per message for a rare case.
     */
    private static FileChannel createStaged(Path tmp) throws IOException {
        try {
            return PrivateFiles.open(tmp, StandardOpenOption.CREATE_NEW);
        } catch (FileAlreadyExistsException leftover) {
            Files.deleteIfExists(tmp);
            return PrivateFiles.open(tmp, StandardOpenOption.CREATE_NEW);
        }
    }

    /**
     * Renames staged files that all go into one new/ directory (for {@link DeliveryBatch#commit()}),
     * walking down to it once and refusing links on the way.
     */
    void publish(List<DeliveryBatch.Staged> staged) throws IOException {
        List<Path> files = new ArrayList<>(staged.size());
        List<Path> targets = new ArrayList<>(staged.size());
        for (DeliveryBatch.Staged s : staged) {
            files.add(s.tmp());
            targets.add(s.target());
        }
        tree.publish(files, targets);
    }

    private Path folder(String folder) {
        if (folder == null) {
            return root;
        }
        if (!folder.matches("\\.[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("not a Maildir++ folder name: " + folder);
        }
        return root.resolve(folder);
    }
}
