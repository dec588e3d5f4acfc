package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The bulk CRLF to LF conversion against a byte-by-byte reference, in any split of the writes:
 * CRLF becomes LF, a lone CR stays, a CR at the end of a write waits for the next byte, flush
 * leaves it waiting (as before), close writes it; lines counts every LF.
 */
class CrlfToLfOutputStreamTest {

    private static byte[] reference(byte[] in, boolean closed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\r' && (i + 1 < in.length ? in[i + 1] == '\n' : !closed)) {
                continue;
            }
            out.write(in[i]);
        }
        return out.toByteArray();
    }

    private static long lfs(byte[] in) {
        long n = 0;
        for (byte b : in) {
            n += b == '\n' ? 1 : 0;
        }
        return n;
    }

    @Test
    void anySplitGivesTheReference() throws IOException {
        Random random = new Random(56);
        // bytes next to CR and LF, and with the top bit set: the word-at-a-time scan must tell them apart exactly
        byte[] alphabet = {'\r', '\n', 'a', 'b', '\r', '\n', 0, 0x0b, 0x0c, 0x0e, (byte) 0x8a, (byte) 0x8d, (byte) 0xff};
        for (int round = 0; round < 3000; round++) {
            int size = round % 10 == 0 ? random.nextInt(200_000) : random.nextInt(60);
            byte[] in = new byte[size];
            for (int i = 0; i < size; i++) {
                in[i] = round % 10 == 0 && random.nextInt(20) != 0 ? (byte) 'x' : alphabet[random.nextInt(alphabet.length)];
            }
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            CrlfToLfOutputStream lf = new CrlfToLfOutputStream(sink);
            int pos = 0;
            while (pos < size) {
                int n = Math.min(size - pos, random.nextInt(4) == 0 ? 1 : random.nextInt(round % 10 == 0 ? 100_000 : 8) + 1);
                if (n == 1 && random.nextBoolean()) {
                    lf.write(in[pos]);
                } else {
                    byte[] padded = new byte[n + 4];
                    System.arraycopy(in, pos, padded, 2, n);
                    lf.write(padded, 2, n);
                }
                pos += n;
            }
            lf.flush();
            assertArrayEquals(reference(in, false), sink.toByteArray(), "flushed, round " + round);
            assertEquals(lfs(in), lf.lines());
            lf.close();
            assertArrayEquals(reference(in, true), sink.toByteArray(), "closed, round " + round);
        }
    }
}
