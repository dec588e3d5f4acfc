package org.mailfetch.fetch.pop3;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailfetch.testsupport.Fuzzing;
import org.mailfetch.fetch.TooLargeException;

/**
 * Coverage-guided fuzzing of what reads a hostile POP3 server's bytes: the bounded line reader, the
 * status-line parser, the listing-line parser and the dot-unstuffing body reader. Any input must
 * end in a result within its bounds or in a protocol error, end of stream or size error — never
 * another exception, a bigger line or a longer body. Without JAZZER_FUZZ the seeds under
 * Pop3ReplyFuzzTestInputs/ run as a regression test.
 */
class Pop3ReplyFuzzTest {

    private static final int MAX_LINE = 64;
    private static final int MAX_BODY = 256;
    private static final int COUNT = 10;

    /** Server bytes parse within bounds or fail as protocol errors (fuzzed in verify: the name starts with fuzz). */
    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzPop3Replies(byte[] data) throws Exception {
        LineInput in = new LineInput(new ByteArrayInputStream(data), null, 1000);
        try {
            byte[] status = in.readLine(MAX_LINE, "the status line");
            assertTrue(status.length <= MAX_LINE);
            Pop3Reply reply = Pop3Reply.parse(status);
            assertTrue(reply.code() == null || reply.code().indexOf(']') < 0);
            for (int i = 0; i < 3; i++) {
                byte[] line = in.readLine(MAX_LINE, "a listing line");
                if (line.length == 1 && line[0] == '.') {
                    break;
                }
                Pop3Client.Entry e = Listings.entry(line, COUNT, "UIDL");
                assertTrue(e.number() >= 1 && e.number() <= COUNT && !e.value().isEmpty());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            long n = in.streamBody(body, MAX_BODY);
            assertTrue(n == body.size() && n <= MAX_BODY);
        } catch (Pop3Exception | TooLargeException | EOFException expected) {
            // a clear, bounded refusal
        }
    }
}
