package org.mailfetch.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Benchmark baseline: the disk's side of durable Maildir delivery without any mail code. Each
 * file is written to {@code tmp/}, fsynced and renamed into {@code new/}; {@code new/} itself is
 * fsynced once per batch, which is what makes a batch of renames durable together.
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
