package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.MailAddress;

/**
 * FetchedMessage.copyTo copies from the session's spool channel and falls back to the spool file when
 * that channel turns out closed. A channel closed while a copy is under way (an asynchronous close:
 * part of the message already sits in the staging file) must not make the fallback append the whole
 * message once more: the Maildir file holds the message exactly once.
 */
class SpoolChannelClosedMidCopyTest {

    @TempDir
    Path dataDir;

    @Test
    void aSpoolChannelClosedHalfWayThroughTheCopyShouldStillStageTheMessageExactlyOnce() throws Exception {
        String text = "Subject: closed mid-copy\n\n" + "a line of the body that is copied in two parts\n".repeat(200);
        Path spool = dataDir.resolve("spool-0");
        Files.writeString(spool, text + "STALE TAIL OF A LONGER MESSAGE\n");
        int size = text.getBytes(StandardCharsets.UTF_8).length;
        Path mailboxes = dataDir.resolve("mailboxes");
        FilePermissions permissions = new FilePermissions("0600", Optional.empty(), Optional.empty());
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try (FileChannel real = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FetchedMessage message = new FetchedMessage(null, "u1", spool, size, Instant.EPOCH);
            message.spoolChannel(new ClosedAfterFirstPart(real, 1000));
            MaildirMailbox alice = new MaildirMailbox(mailboxes, MailAddress.parse("alice@example.com"), permissions);
            DeliveryBatch batch = new DeliveryBatch(fsync);
            batch.add(alice.stage(null, "m", "X-Top: 1\n".getBytes(StandardCharsets.UTF_8), message::copyTo, null));
            batch.commit();

            String staged = Files.readString(mailboxes.resolve("example.com/alice/new/m"));
            assertTrue(staged.equals("X-Top: 1\n" + text), "the message once, neither cut nor with its first part twice: "
                    + staged.length() + " bytes for a " + ("X-Top: 1\n" + text).length() + "-byte file, the subject "
                    + (staged.split("Subject: ", -1).length - 1) + " times");
        } finally {
            fsync.shutdown();
        }
    }

    /**
     * A spool channel that hands over its first {@code part} bytes, then is closed by "another thread"
     * during the next transfer, as FileChannel reports it: AsynchronousCloseException.
     */
    private static final class ClosedAfterFirstPart extends FileChannel {
        private final FileChannel real;
        private final long part;
        private int transfers;

        ClosedAfterFirstPart(FileChannel real, long part) {
            this.real = real;
            this.part = part;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            if (transfers++ == 0) {
                return real.transferTo(position, Math.min(count, part), target);
            }
            close();
            throw new AsynchronousCloseException();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() {
            // the session's channel stays the test's to close
        }
    }
}
