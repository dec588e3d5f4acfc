package org.mailfetch.fetch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;

/**
 * A message's bytes on their way to its spool: digested, and kept in a memory buffer of the session
 * while they fit ({@link #IN_MEMORY}); a larger message goes to the spool file instead, written at a
 * position of its own (pwrite) from the start of the file. One per session, restarted for each
 * message. A small message never touches the spool file: its write, and the copy, seek and size
 * query of the file to deliver it, were a fifth of the session thread's samples for 4 KB messages.
 */
final class SpoolOutput extends OutputStream {

    /** The largest message held in memory; a session holds two such buffers (one a turn). */
    static final int IN_MEMORY = 64 * 1024;

    /** Opens the spool file when a message outgrows its buffer. */
    @FunctionalInterface
    interface SpoolFile {
        FileChannel open() throws IOException;
    }

    private final MessageDigest digest;
    private SpoolFile file;
    private byte[] memory;
    private FileChannel channel;
    private long position;

    SpoolOutput(MessageDigest digest) {
        this.digest = digest;
    }

    /**
     * Starts a message in {@code memory} (at most {@link #IN_MEMORY} bytes are used), moving to the
     * start of the file {@code file} opens should it not fit; the digest starts over too.
     */
    SpoolOutput restart(SpoolFile file, byte[] memory) {
        this.file = file;
        this.memory = memory;
        channel = null;
        position = 0;
        digest.reset();
        return this;
    }

    /** The bytes written since {@link #restart}: the message's size. */
    long size() {
        return position;
    }

    /** The spool file's channel holding the message, or null when the message is in the memory buffer. */
    FileChannel channel() {
        return channel;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        digest.update(b, off, len);
        if (channel == null) {
            if (position + len <= Math.min(memory.length, IN_MEMORY)) {
                System.arraycopy(b, off, memory, (int) position, len);
                position += len;
                return;
            }
            channel = file.open();
            writeAt(ByteBuffer.wrap(memory, 0, (int) position), 0);
        }
        writeAt(ByteBuffer.wrap(b, off, len), position);
        position += len;
    }

    private void writeAt(ByteBuffer buffer, long at) throws IOException {
        long p = at;
        while (buffer.hasRemaining()) {
            p += channel.write(buffer, p);
        }
    }
}
