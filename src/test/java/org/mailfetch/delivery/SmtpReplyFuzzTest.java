package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailfetch.testsupport.Fuzzing;

/**
 * Jazzer target: {@link SmtpReply#read} (the LMTP client's reply parser) turns any byte stream into
 * replies with a three-digit code and printable text of bounded length, or an {@link IOException}
 * (its documented failure: malformed, too long, or the stream ended) — never anything else.
 */
class SmtpReplyFuzzTest {

    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzSmtpReply(byte[] data) {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        for (int replies = 0; replies <= data.length; replies++) { // each reply consumes at least one byte
            SmtpReply r;
            try {
                r = SmtpReply.read(in);
            } catch (IOException expected) {
                assertTrue(Fuzzing.noControl(expected.getMessage()), expected.getMessage());
                return;
            }
            assertTrue(r.code() >= 0 && r.code() <= 999, "code " + r.code());
            assertTrue(Fuzzing.noControl(r.text()), r.text());
            assertTrue(r.text().length() <= (SmtpReply.MAX_LINE + 1) * SmtpReply.MAX_LINES, "bounded");
            assertTrue(r.text().startsWith(String.format("%03d", r.code())), r.text());
        }
        throw new AssertionError("more replies than bytes");
    }
}
