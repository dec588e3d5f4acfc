package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailfetch.testsupport.Fuzzing;
import org.mailfetch.mail.MailAddress;

/**
 * Jazzer target: {@link HeaderAddresses} reads any header value (bytes as ISO-8859-1, as header
 * lines are read) without an exception, and every address it returns re-validates, is distinct and
 * holds no control character or separator. Per-input time is bounded by libFuzzer's timeout.
 */
class HeaderAddressesFuzzTest {

    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzHeaderAddresses(byte[] data) {
        String value = new String(data, StandardCharsets.ISO_8859_1);
        check(HeaderAddresses.parse(value));
        check(HeaderAddresses.receivedFor(value));
        check(HeaderAddresses.receivedFor("from a by b for " + value + "; 1 Mar 2024 10:00 +0000"));
        for (String loose : HeaderAddresses.looseAddresses(value)) {
            assertTrue(loose.length() >= 3 && loose.substring(1, loose.length() - 1).indexOf('@') >= 0, loose);
            assertTrue(loose.chars().noneMatch(c -> HeaderAddresses.isLooseDelimiter((char) c)), loose);
        }
    }

    private static void check(List<MailAddress> addresses) {
        assertEquals(addresses.size(), new HashSet<>(addresses).size(), "distinct");
        for (MailAddress a : addresses) {
            assertEquals(a, MailAddress.parse(a.toString()), "re-validates");
            assertTrue(Fuzzing.noControl(a.toString()), a.toString());
            for (char c : " ,;<>\"\r\n\t".toCharArray()) {
                assertTrue(a.localPart().indexOf(c) < 0, a.toString());
            }
        }
    }
}
