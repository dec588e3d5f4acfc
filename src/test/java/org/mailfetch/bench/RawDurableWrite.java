package org.mailfetch.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark baseline: the disk's side of durable Maildir delivery without any mail code. Each
 * file is written to {@code tmp/}, fsynced and renamed into {@code new/}; {@code new/} itself is
 * fsynced once per batch, which is what makes a batch of renames durable together.
 *
 * <p>{@link #write} is the reference: one thread, one file after the other. {@link #writeConcurrent}
 * is the disk's real limit for the same durability: the files of a batch are written and fsynced
 * by several threads at once (so the disk sees many flushes in flight, which it can merge), then
 * renamed into {@code new/}, then {@code new/} is fsynced once.
 */
public final class RawDurableWrite {

    /** Files written, their total bytes and the wall time. */
    public record Result(int files, long bytes, Duration elapsed) {

        public double filesPerSecond() {
            return files / (Math.max(elapsed.toNanos(), 1) / 1e9);
        }
    }

    private RawDurableWrite() {
    }

    /** Writes {@code count} copies of {@code content} into the Maildir {@code dir} (created if needed). */
    public static Result write(Path dir, int count, byte[] content, int batchSize) throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path fresh = Files.createDirectories(dir.resolve("new"));
        Files.createDirectories(dir.resolve("cur"));
        // unique per run, so repeated runs into one directory never overwrite each other
        String prefix = System.currentTimeMillis() + ".P" + ProcessHandle.current().pid() + "Q";
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String name = prefix + i + ".rawbench";
            Path file = tmp.resolve(name);
            writeAndSync(file, content);
            Files.move(file, fresh.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            if ((i + 1) % batchSize == 0 || i + 1 == count) {
                syncDirectory(fresh);
            }
        }
        return new Result(count, (long) count * content.length, Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * The same files, made durable a batch at a time: {@code threads} threads write and fsync the
     * batch's files in {@code tmp/} in parallel; when all are done they are renamed into {@code new/}
     * and {@code new/} is fsynced once.
     */
    public static Result writeConcurrent(Path dir, int count, byte[] content, int batchSize, int threads)
            throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path fresh = Files.createDirectories(dir.resolve("new"));
        Files.createDirectories(dir.resolve("cur"));
        String prefix = System.currentTimeMillis() + ".P" + ProcessHandle.current().pid() + "C";
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long started = System.nanoTime();
            for (int first = 0; first < count; first += batchSize) {
                int end = Math.min(count, first + batchSize);
                List<Future<?>> writes = new ArrayList<>(end - first);
                for (int i = first; i < end; i++) {
                    Path file = tmp.resolve(prefix + i + ".rawbench");
                    writes.add(pool.submit(() -> {
                        writeAndSync(file, content);
                        return null;
                    }));
                }
                for (Future<?> write : writes) {
                    await(write);
                }
                for (int i = first; i < end; i++) {
                    String name = prefix + i + ".rawbench";
                    Files.move(tmp.resolve(name), fresh.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                }
                syncDirectory(fresh);
            }
            return new Result(count, (long) count * content.length, Duration.ofNanos(System.nanoTime() - started));
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(Future<?> write) throws IOException {
        try {
            write.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private static void writeAndSync(Path file, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    /** Linux lets a directory be opened read-only and fsynced, which persists its entries. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
