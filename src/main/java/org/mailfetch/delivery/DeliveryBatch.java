package org.mailfetch.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Maildir files staged in tmp/ and made durable together (group commit): every file fsynced, then
 * renamed into new/, then each new/ directory fsynced once. Only after {@link #commit()} returns may
 * the ledger rows be committed and the server copies deleted.
 */
public final class DeliveryBatch {

    /** A message written to tmp/ and waiting for the batch. */
    public record Staged(MaildirMailbox mailbox, Path tmp, Path target, String baseName) {}

    /**
     * Staged files handed to the fsync pool together. One task per file woke a pool thread per
     * message, and on two cores the woken thread took the CPU from the session then and there (a
     * tenth of a small message's time in the session thread); a handful per task still keeps the
     * pool's threads fsyncing side by side through a batch.
     */
    static final int FSYNC_GROUP = 4;

    private final ExecutorService fsyncPool;
    private final List<Staged> staged = new ArrayList<>();
    /** Staged files whose fsync has not been handed to the pool yet (fewer than {@link #FSYNC_GROUP}). */
    private final List<Path> unsynced = new ArrayList<>();
    /** The fsyncs handed to the pool: all of {@link #staged} but {@link #unsynced}. */
    private final List<Future<?>> syncs = new ArrayList<>();

    /** {@code fsyncPool} runs the fsyncs of one batch side by side, which lets the file system share journal commits. */
    public DeliveryBatch(ExecutorService fsyncPool) {
        this.fsyncPool = fsyncPool;
    }

    /**
     * Takes a staged file into the batch; its fsync starts with the next {@link #FSYNC_GROUP} files:
     * the file is complete, and while the session downloads the rest of the batch the fsyncs run,
     * instead of all of them waiting for the batch to fill. Nothing is renamed or recorded before
     * {@link #commit()} has seen every one of them succeed.
     */
    public void add(Staged s) {
        staged.add(s);
        unsynced.add(s.tmp());
        if (unsynced.size() >= FSYNC_GROUP) {
            startFsyncs();
        }
    }

    private void startFsyncs() {
        List<Path> files = List.copyOf(unsynced);
        syncs.add(fsyncPool.submit(() -> {
            for (Path f : files) {
                force(f);
            }
            return null;
        }));
        // only once the pool took them: files of a refused group stay unsynced, for commit() to hand over again
        unsynced.clear();
    }

    public int size() {
        return staged.size();
    }

    public void commit() throws IOException {
        if (staged.isEmpty()) {
            return;
        }
        if (!unsynced.isEmpty()) {
            startFsyncs();
        }
        await(syncs);
        Set<Path> dirs = new LinkedHashSet<>();
        // files bound for one new/ are renamed in one walk down to it
        Map<Into, List<Staged>> byDir = new LinkedHashMap<>();
        for (Staged s : staged) {
            if (s.mailbox() != null) {
                byDir.computeIfAbsent(new Into(s.mailbox(), s.target().getParent()), k -> new ArrayList<>()).add(s);
            } else {
                Files.move(s.tmp(), s.target(), StandardCopyOption.ATOMIC_MOVE);
            }
            dirs.add(s.target().getParent());
        }
        for (Map.Entry<Into, List<Staged>> e : byDir.entrySet()) {
            e.getKey().mailbox().publish(e.getValue()); // into a Maildir a mail user may own: never through a link
        }
        for (Path dir : dirs) {
            force(dir);
        }
        staged.clear();
        syncs.clear();
    }

    private record Into(MaildirMailbox mailbox, Path dir) {}

    /** Removes the staged files that will not be committed: they are incomplete or unwanted. */
    public void abandon() {
        for (Future<?> f : syncs) {
            f.cancel(false); // not started: the file is deleted below; running: it fails or syncs a deleted file
        }
        syncs.clear();
        unsynced.clear();
        for (Staged s : staged) {
            try {
                Files.deleteIfExists(s.tmp());
            } catch (IOException ignored) {
                // a leftover in tmp/ is harmless: the same name is overwritten by the next attempt
            }
        }
        staged.clear();
    }

    private static void await(List<Future<?>> futures) throws IOException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException("fsync failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while making mail durable", e);
            }
        }
    }

    private static void force(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ch.force(true);
        }
    }
}
