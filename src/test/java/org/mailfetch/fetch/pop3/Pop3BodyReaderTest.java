package org.mailfetch.fetch.pop3;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bulk RETR body reader ({@link LineInput#streamBody}) against a byte-by-byte reference
 * ({@link BodyReference}) on hostile bodies, each served whole, a byte a read, in small odd reads
 * and across the reader's 64 KB buffer: byte-exact output, the same bytes left for the next reply,
 * the same end (body, size error, cut connection).
 */
class Pop3BodyReaderTest {

    private static final int[][] CHUNKINGS = {{1 << 20}, {1}, {2}, {3}, {1, 2, 5, 1, 7}, {65535}, {65536, 1}};

    private static final String[] BODIES = {
        ".\r\n",
        "a\r\n.\r\n",
        "..\r\n.\r\n",                    // a line of one "." (stuffed)
        "...\r\n.\r\n",                   // a line of ".."
        "..a\r\n..\r\n.\r\n",
        ".a\r\n.\r\n",                    // a dot a sloppy server did not stuff: dropped as stuffing
        "a\rb\r\n.\r\n",                  // lone CR inside a line
        "a\nb\n.\r\n",                    // lone LF: the "." after it starts no line
        "a\n.\r\n.\r\n",
        "a\r\n.\n.\r\n",                  // "." then a bare LF is text, and so is the line after
        "a\r\n.\rx\r\n.\r\n",             // "." CR then text: the CR is message text
        "a\r\n.\r\r\n.\r\n",              // "." CR CR LF
        "a\r\n.\r",                       // cut inside a held-back "." CR
        "a\r\n.",                         // cut after a line-start "."
        "a\r\nb",                         // a body ending without CRLF, then the connection ends
        "abc.\r\n",                       // no terminator: "." not at a line start
        "\r\n.\r\n",
        "\n.\r\n.\r\n",
        "\r\r\n.\r\n",
        "a\r\n.\r\nnext reply\r\n",       // bytes after the terminator stay unread
        "a\r\n.\r\n.\r\n",
        "",
    };

    @Test
    void hostileBodiesMatchTheReferenceInEveryChunking() throws Exception {
        for (String body : BODIES) {
            for (int[] chunks : CHUNKINGS) {
                for (long max : new long[] {0, 1, 2, 3, 4, 100}) {
                    BodyReaderCheck.check(body.getBytes(ISO_8859_1), max, chunks);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1000, 65536})
    void oversizeBodyIsRefusedAndNeverWrittenPastTheLimit(int chunk) throws Exception {
        byte[] big = ("x".repeat(300) + "\r\n" + ".\r\n").getBytes(ISO_8859_1);
        for (long max = 295; max <= 305; max++) {
            BodyReaderCheck.check(big, max, chunk);
        }
    }

    @Test
    void largeBodiesAcrossTheBufferMatchTheReference() throws Exception {
        Random random = new Random(12);
        for (int round = 0; round < 20; round++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int lines = 500 + random.nextInt(3000);
            for (int i = 0; i < lines; i++) {
                int len = random.nextInt(120);
                for (int k = 0; k < len; k++) {
                    // mostly text, sometimes the bytes that matter
                    int r = random.nextInt(40);
                    b.write(r == 0 ? '.' : r == 1 ? '\r' : r == 2 ? '\n' : 'a' + random.nextInt(26));
                }
                b.write('\r');
                b.write('\n');
            }
            b.writeBytes(".\r\n+OK next\r\n".getBytes(ISO_8859_1));
            byte[] input = b.toByteArray();
            for (int[] chunks : CHUNKINGS) {
                BodyReaderCheck.check(input, Long.MAX_VALUE, chunks);
                BodyReaderCheck.check(input, input.length / 2, chunks);
            }
            BodyReaderCheck.check(input, Long.MAX_VALUE, 1 + random.nextInt(100), 1 + random.nextInt(70000), 1);
        }
    }

    @Test
    void randomBytesMatchTheReference() throws Exception {
        Random random = new Random(34);
        byte[] alphabet = {'.', '\r', '\n', 'a', '.', '\r', '\n', 0};
        for (int round = 0; round < 3000; round++) {
            byte[] input = new byte[random.nextInt(40)];
            for (int i = 0; i < input.length; i++) {
                input[i] = alphabet[random.nextInt(alphabet.length)];
            }
            BodyReaderCheck.check(input, random.nextInt(50), 1 + random.nextInt(4), 1 + random.nextInt(9));
        }
    }

    @Test
    void lfScanFindsTheFirstLfAtEveryOffset() {
        for (int len = 0; len < 40; len++) {
            for (int at = 0; at <= len; at++) {
                byte[] b = new byte[len];
                java.util.Arrays.fill(b, (byte) 0x8a); // 0x0A with the high bit: must not match
                if (at < len) {
                    b[at] = '\n';
                    if (at + 1 < len) {
                        b[at + 1] = '\n';
                    }
                }
                for (int from = 0; from <= len; from++) {
                    int want = at < len && at >= from ? at : at + 1 < len && at + 1 >= from ? at + 1 : len;
                    assertEquals(want, LineInput.indexOfLf(b, from, len), "len " + len + " at " + at + " from " + from);
                }
            }
        }
    }
}
