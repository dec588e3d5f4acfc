package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message up to {@link SpoolOutput#IN_MEMORY} bytes stays in the session's buffer and never opens
 * the spool file; a larger one moves to the file, its first bytes included, over whatever a longer
 * earlier message left there; the digest is the whole message's either way.
 */
class SpoolOutputTest {

    @TempDir
    Path dir;

    @Test
    void messagesAroundTheLimitShouldBeHeldWhereTheyFitAndWholeWhereTheyDoNot() throws Exception {
        Path file = dir.resolve("spool-0");
        // a longer earlier message's bytes: what a reused, never truncated spool file holds
        Files.write(file, "stale ".repeat(60_000).getBytes());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SpoolOutput out = new SpoolOutput(sha);
        byte[] memory = new byte[SpoolOutput.IN_MEMORY];
        Random random = new Random(12);
        int limit = SpoolOutput.IN_MEMORY;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int size : new int[] {0, 1, limit - 1, limit, limit + 1, 3 * limit + 7, 17, limit}) {
                byte[] message = new byte[size];
                random.nextBytes(message);
                Arrays.fill(memory, (byte) '#'); // what the buffer held before
                AtomicInteger opened = new AtomicInteger();
                out.restart(() -> {
                    opened.incrementAndGet();
                    return channel;
                }, memory);
                for (int at = 0; at < size; ) {
                    int n = Math.min(size - at, 1 + random.nextInt(limit / 3));
                    if (n == 1 && random.nextBoolean()) {
                        out.write(message[at]);
                    } else {
                        out.write(message, at, n);
                    }
                    at += n;
                }

                assertEquals(size, out.size());
                byte[] held;
                if (size <= limit) {
                    assertNull(out.channel(), size + " bytes fit the buffer");
                    assertEquals(0, opened.get(), size + " bytes never open the spool file");
                    held = Arrays.copyOf(memory, size);
                } else {
                    assertNotNull(out.channel(), size + " bytes do not fit");
                    assertEquals(1, opened.get(), "the spool file opened once");
                    ByteBuffer read = ByteBuffer.allocate(size);
                    while (read.hasRemaining() && channel.read(read, read.position()) > 0) {
                        // positional reads until the message's size
                    }
                    held = read.array();
                }
                assertArrayEquals(message, held, size + " bytes held exactly");
                assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(message), sha.digest(),
                        "the digest of all " + size + " bytes");
            }
        }
    }
}
