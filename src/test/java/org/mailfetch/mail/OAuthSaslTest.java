package org.mailfetch.mail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class OAuthSaslTest {

    @Test
    void xoauth2ShouldMatchGooglesExample() {
        // https://developers.google.com/gmail/imap/xoauth2-protocol, "SASL XOAUTH2 initial client response"
        byte[] ir = OAuthSasl.xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
        assertArrayEquals("user=someuser@example.com\u0001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u0001\u0001"
                .getBytes(StandardCharsets.US_ASCII), ir);
        assertEquals("dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
                OAuthSasl.base64(ir));
    }

    @Test
    void oauthBearerShouldMatchRfc7628Example() {
        // RFC 7628 section 4.1
        byte[] ir = OAuthSasl.oauthBearer("user@example.com", "server.example.com", 143,
                "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
        assertArrayEquals(("n,a=user@example.com,\u0001host=server.example.com\u0001port=143\u0001"
                + "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\u0001\u0001").getBytes(StandardCharsets.US_ASCII), ir);
        assertEquals("bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
                OAuthSasl.base64(ir));
    }

    @Test
    void oauthBearerShouldEscapeCommaAndEqualsInTheUser() {
        byte[] ir = OAuthSasl.oauthBearer("a,b=c", "h", 995, "t");
        assertEquals("n,a=a=2Cb=3Dc,\u0001host=h\u0001port=995\u0001auth=Bearer t\u0001\u0001",
                new String(ir, StandardCharsets.US_ASCII));
    }

    @Test
    void shouldRefuseControlBytesAndNonB64Tokens() {
        for (String bad : List.of("a\u0001b", "a\r\nb", "a\nb", "a\u0000b", "a\u007fb")) {
            assertThrows(IllegalArgumentException.class, () -> OAuthSasl.xoauth2(bad, "tok"));
            assertThrows(IllegalArgumentException.class, () -> OAuthSasl.oauthBearer("u", bad, 1, "tok"));
        }
        for (String bad : List.of("", "a b", "ab\u0001", "ab\r\n", "=abc", "ab=c", "ab\"", "ab,", "é")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OAuthSasl.xoauth2("u", bad));
            assertFalse(!bad.isEmpty() && e.getMessage().contains(bad), "the token must not reach the message");
            assertThrows(IllegalArgumentException.class, () -> OAuthSasl.oauthBearer("u", "h", 1, bad));
        }
        OAuthSasl.xoauth2("u", "A-._~+/9==");
    }

    @Test
    void shouldChooseTheFirstWantedThatIsOffered() {
        assertEquals("OAUTHBEARER", OAuthSasl.choose(List.of("OAUTHBEARER", "XOAUTH2"), List.of("plain", "xoauth2", "oauthbearer")));
        assertEquals("XOAUTH2", OAuthSasl.choose(List.of("OAUTHBEARER", "XOAUTH2"), List.of("PLAIN", "XOAUTH2")));
        assertNull(OAuthSasl.choose(List.of("XOAUTH2"), List.of("PLAIN")));
    }

    @Test
    void errorChallengeAnswers() {
        assertArrayEquals(new byte[0], OAuthSasl.errorChallengeAnswer("XOAUTH2"));
        assertArrayEquals(new byte[] {1}, OAuthSasl.errorChallengeAnswer("OAUTHBEARER"));
        assertEquals("AQ==", OAuthSasl.base64(OAuthSasl.errorChallengeAnswer("OAUTHBEARER")));
    }
}
