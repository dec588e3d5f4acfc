package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.mailfetch.fetch.ServerException;

/** What a server may send in one IMAP response before Angus Mail reads (and allocates) it. */
class ResponseLimitTest {

    private static byte[] drain(String wire, long max) throws IOException {
        try (InputStream in = new ResponseLimit(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)), max)) {
            return in.readAllBytes();
        }
    }

    @Test
    void responsesWithinTheLimitShouldPassUnchanged() throws IOException {
        String literal = "x".repeat(900);
        String wire = "* 1 FETCH (UID 7 BODY[]<0> {900}\r\n" + literal + ")\r\nA4 OK done\r\n"
                + "* 2 FETCH (UID 8 BODY[]<0> {900}\r\n" + literal + ")\r\n";
        assertArrayEquals(wire.getBytes(StandardCharsets.ISO_8859_1), drain(wire, 1000));
    }

    @Test
    void aLiteralAnnouncedLargerThanTheLimitShouldFailBeforeItsBytesArrive() {
        ServerException e = assertThrows(ServerException.class,
                () -> drain("* 1 FETCH (UID 7 BODY[]<0> {2000000000}\r\nabc", 1 << 20));
        assertTrue(e.getMessage().contains("a literal of 2000000000 bytes"), e.getMessage());
    }

    @Test
    void aLiteralWithTooManyDigitsShouldFail() {
        assertThrows(ServerException.class, () -> drain("* 1 FETCH (BODY[] {00000000000002000000000}\r\nabc", 1 << 20));
    }

    @Test
    void anEndlessLineShouldFailAtTheLimit() {
        assertThrows(ServerException.class, () -> drain("* OK " + "y".repeat(5000), 4096));
    }

    @Test
    void manySmallLiteralsInOneResponseShouldCountTogether() {
        StringBuilder wire = new StringBuilder("* 1 FETCH (");
        for (int i = 0; i < 100; i++) {
            wire.append("X").append(i).append(" {50}\r\n").append("z".repeat(50)).append(' ');
        }
        assertThrows(ServerException.class, () -> drain(wire.toString(), 4096));
    }

    @Test
    void aLineEndingInBracesWithoutDigitsIsNoLiteral() throws IOException {
        String wire = "* OK [ALERT] hello {world}\r\nA1 OK done\r\n";
        assertArrayEquals(wire.getBytes(StandardCharsets.ISO_8859_1), drain(wire, 100));
    }
}
