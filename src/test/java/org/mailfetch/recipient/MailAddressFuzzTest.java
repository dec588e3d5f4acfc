package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailfetch.testsupport.Fuzzing;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.EnvelopeAddress;

/**
 * Jazzer target: {@link MailAddress#parse} either refuses with {@link IllegalArgumentException} (its
 * documented failure) or returns an address that parses back to itself, with a lower-case ASCII
 * domain and a local part free of separators and control characters. {@link EnvelopeAddress} never
 * lets a byte outside 0x21..0x7e into an envelope path.
 */
class MailAddressFuzzTest {

    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzMailAddress(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        String path = EnvelopeAddress.reversePath(text);
        assertTrue(path.equals("<>") || path.startsWith("<") && path.endsWith(">")
                && EnvelopeAddress.isSafe(path.substring(1, path.length() - 1)), path);
        for (int i = 0; i < path.length(); i++) {
            assertTrue(path.charAt(i) > 0x20 && path.charAt(i) < 0x7f, path);
        }
        MailAddress a;
        try {
            a = MailAddress.parse(text);
        } catch (IllegalArgumentException refused) {
            assertTrue(Fuzzing.noControl(refused.getMessage()), "the refusal is printable: " + refused.getMessage());
            return;
        }
        assertEquals(a, MailAddress.parse(a.toString()));
        assertTrue(a.domain().chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
                || c == '.' || c == '_'), a.domain());
        assertTrue(Fuzzing.noControl(a.localPart()), a.localPart());
        for (char c : " ,;<>\"@\\()[]\r\n\t/".toCharArray()) {
            assertTrue(a.localPart().indexOf(c) < 0, a.localPart());
        }
        if (a.envelopeSafe()) {
            assertEquals("<" + a + ">", EnvelopeAddress.reversePath(a.toString()));
        }
    }
}
