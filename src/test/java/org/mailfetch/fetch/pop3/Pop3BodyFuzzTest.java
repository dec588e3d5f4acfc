package org.mailfetch.fetch.pop3;

import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailfetch.testsupport.Fuzzing;

/**
 * Coverage-guided fuzzing of the bulk RETR body reader ({@link LineInput#streamBody}) against the
 * slow reference {@link BodyReference}: for any server bytes, read in any sizes, the reader ends
 * in the body the reference gives (byte-exact, leaving the same bytes for the next reply), in a
 * size error without writing more than the limit, or in end of stream with exactly the decided
 * bytes written — never another exception. The first byte picks the limit, the next two the read
 * sizes. Without JAZZER_FUZZ the seeds under Pop3BodyFuzzTestInputs/ run as a regression test.
 */
class Pop3BodyFuzzTest {

    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzRetrBody(byte[] data) throws Exception {
        if (data.length < 3) {
            return;
        }
        long max = (data[0] & 0xff) == 0xff ? Long.MAX_VALUE : data[0] & 0xff;
        int[] chunks = {1 + (data[1] & 0x0f), 1 + ((data[1] & 0xf0) >> 4), 1 + (data[2] & 0xff) * 300};
        BodyReaderCheck.check(Arrays.copyOfRange(data, 3, data.length), max, chunks);
    }
}
