package org.mailfetch.fetch.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import org.mailfetch.fetch.TooLargeException;

/** Runs {@link LineInput#streamBody} on an input served in given read sizes and checks it against {@link BodyReference}. */
final class BodyReaderCheck {

    private BodyReaderCheck() {}

    /** An input stream returning at most {@code chunks[k % chunks.length]} bytes on its k-th read. */
    static final class Chunked extends InputStream {
        private final byte[] data;
        private final int[] chunks;
        private int pos;
        private int reads;

        Chunked(byte[] data, int... chunks) {
            this.data = data;
            this.chunks = chunks;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, Math.max(1, chunks[reads++ % chunks.length])), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }

        int unread() {
            return data.length - pos;
        }
    }

    static void check(byte[] input, long max, int... chunks) throws IOException {
        BodyReference.Result want = BodyReference.read(input, max);
        Chunked stream = new Chunked(input, chunks);
        LineInput in = new LineInput(stream, null, 1000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String what = "input " + Arrays.toString(Arrays.copyOf(input, Math.min(input.length, 64))) + " max " + max
                + " chunks " + Arrays.toString(chunks);
        try {
            long n = in.streamBody(out, max);
            assertEquals(BodyReference.Kind.BODY, want.kind(), what);
            assertEquals(out.size(), n, what);
            assertArrayEquals(want.body(), out.toByteArray(), what);
            // what follows the terminator stays for the next reply
            assertEquals(input.length - want.consumed(), in.buffered() + stream.unread(), what);
        } catch (TooLargeException e) {
            assertEquals(BodyReference.Kind.TOO_LARGE, want.kind(), what);
            assertPrefix(want.body(), out.toByteArray(), max, what);
        } catch (EOFException e) {
            assertEquals(BodyReference.Kind.EOF, want.kind(), what);
            // a cut connection leaves exactly the decided body bytes
            assertArrayEquals(want.body(), out.toByteArray(), what);
        }
    }

    private static void assertPrefix(byte[] whole, byte[] part, long max, String what) {
        assertTrue(part.length <= max, what + ": wrote " + part.length + " bytes, more than " + max);
        if (part.length > whole.length || !Arrays.equals(part, Arrays.copyOf(whole, part.length))) {
            fail(what + ": the body written before the size error is not a prefix of the body");
        }
    }
}
