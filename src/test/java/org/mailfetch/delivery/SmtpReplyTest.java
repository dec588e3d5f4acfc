package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The LMTP client's reply parser reads what a hostile server sends within fixed bounds. */
class SmtpReplyTest {

    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aMultiLineReplyShouldBeJoinedWithItsCode() throws IOException {
        SmtpReply r = SmtpReply.read(stream("250-mail.example\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"));

        assertEquals(250, r.code());
        assertEquals("250-mail.example 250-PIPELINING 250 ENHANCEDSTATUSCODES", r.text());
    }

    @Test
    void anEndlessReplyLineShouldBeRefusedAfterTheLineLimit() {
        InputStream endless = new InputStream() { // never sends a line feed
            @Override
            public int read() {
                return 'x';
            }
        };

        assertThrows(SmtpReply.MalformedReplyException.class, () -> SmtpReply.read(new java.io.SequenceInputStream(
                stream("250 "), endless)));
    }

    @Test
    void anEndlessMultiLineReplyShouldBeRefusedAfterTheLineCountLimit() {
        InputStream endless = new InputStream() {
            private final byte[] line = "250-more\r\n".getBytes(StandardCharsets.US_ASCII);
            private int i;

            @Override
            public int read() {
                return line[i++ % line.length];
            }
        };

        assertThrows(SmtpReply.MalformedReplyException.class, () -> SmtpReply.read(endless));
    }

    @Test
    void controlCharactersInTheReplyTextShouldNotSurvive() throws IOException {
        assertEquals("550 ?[31mno?", SmtpReply.read(stream("550 \u001b[31mno\u0007\r\n")).text());
    }

    @Test
    void aReplyWhoseCodeIsNotThreeDigitsOrChangesMidwayShouldBeMalformed() {
        for (String bad : new String[] {"25\r\n", "2x0 ok\r\n", "250x\r\n", "250-a\r\n251 b\r\n"}) {
            assertThrows(SmtpReply.MalformedReplyException.class, () -> SmtpReply.read(stream(bad)), bad);
        }
    }
}
