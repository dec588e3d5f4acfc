package org.mailfetch.mail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.Collections;

import com.code_intelligence.jazzer.junit.FuzzTest;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetHeaders;
import org.mailfetch.testsupport.Fuzzing;

/**
 * Jazzer target: {@link HeaderBlock#parse} never fails on any bytes, keeps no more text than it was
 * given, and gives the fields and values Jakarta Mail's InternetHeaders gives wherever that does not
 * throw (recipients, the envelope sender and keys of servers without UIDL used to come from it).
 */
class HeaderBlockFuzzTest {

    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzHeaderBlock(byte[] data) throws MessagingException {
        HeaderBlock actual = HeaderBlock.parse(data, data.length);
        long kept = actual.fields().stream().mapToLong(String::length).sum();
        assertTrue(kept <= 2L * data.length, "bounded by the input");
        InternetHeaders expected;
        try {
            expected = new InternetHeaders(new ByteArrayInputStream(data));
        } catch (IndexOutOfBoundsException thrown) {
            return; // InternetHeaders' own failure (a continuation line before any field)
        }
        assertEquals(Collections.list(expected.getAllHeaderLines()), actual.fields());
        for (int i = 0; i < actual.size(); i++) {
            String name = actual.name(i);
            String[] values = expected.getHeader(name);
            assertArrayEquals(values == null ? new String[0] : values, actual.values(name), name);
        }
    }
}
