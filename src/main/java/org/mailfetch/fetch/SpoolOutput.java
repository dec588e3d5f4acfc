package org.mailfetch.fetch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;

/**
 * A message's bytes on their way into its spool file: digested and written at a position of their
 * own (pwrite), from the start of the file. One per session, restarted for each message: the file is
 * reused, so a seek to its start before and a position query after each message were two syscalls
 * a message, and a digest stream and a channel stream two objects a message.
 */
final class SpoolOutput extends OutputStream {

    private final MessageDigest digest;
    private FileChannel channel;
    private long position;

    SpoolOutput(MessageDigest digest) {
        this.digest = digest;
    }

    /** Starts a message at the start of {@code file}; the digest starts over too. */
    SpoolOutput restart(FileChannel file) {
        channel = file;
        position = 0;
        digest.reset();
        return this;
    }

    /** The bytes written since {@link #restart}: the message's size in the file. */
    long size() {
        return position;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        digest.update(b, off, len);
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }
}
