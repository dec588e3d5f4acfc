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

    private static byte[] drain(String wire, long max, long maxMessages) throws IOException {
        try (InputStream in = new ResponseLimit(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)),
                max, maxMessages)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aNegativeLiteralShouldFailTheConnection() {
        ServerException e = assertThrows(ServerException.class, () -> drain("* OK a {-1}\r\n* OK b\r\n", 4096));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void aChainOfNegativeLiteralsCannotEscapeTheLimit() {
        // the reviewer's case: every line ends in {-1}; Angus reads no bytes and goes on with the same response
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            wire.append("* OK x {-1}\r\n");
        }
        assertThrows(ServerException.class, () -> drain(wire.toString(), 300_000));
    }

    @Test
    void zeroLengthLiteralsContinueTheResponseAndCountTogether() {
        StringBuilder wire = new StringBuilder("* 1 FETCH (X");
        for (int i = 0; i < 1000; i++) {
            wire.append(" {0}\r\n");
        }
        assertThrows(ServerException.class, () -> drain(wire.toString(), 4096));
    }

    @Test
    void leadingZerosAndLiteral8AreLiteralsAsForAngus() {
        assertThrows(ServerException.class, () -> drain("* 1 FETCH (BINARY[] ~{0000000000000009000}\r\n"
                + "x".repeat(9000) + ")\r\n", 4096));
    }

    @Test
    void aSizeAngusCannotParseIsNoLiteral() throws IOException {
        // {n+} and a size above int range are no literal for Angus: the line ends the response
        String wire = "* OK a {5+}\r\n* OK b {99999999999}\r\nA1 OK done\r\n";
        assertArrayEquals(wire.getBytes(StandardCharsets.ISO_8859_1), drain(wire, 40));
    }

    @Test
    void aLiteralAnnouncedAcrossLiteralBytesIsFramedAsAngusDoes() {
        // Angus looks for '{' back through the literal bytes: "{3}CRLF" + "{50" + "}CRLF" announces 50 more bytes
        String wire = "* 1 FETCH (X {3}\r\n{50}\r\n" + "z".repeat(50) + ")\r\n";
        assertThrows(ServerException.class, () -> drain(wire, 60));
    }

    @Test
    void hugeExistsShouldFail() {
        ServerException e = assertThrows(ServerException.class, () -> drain("* 2147483000 EXISTS\r\n", 4096, 1000));
        assertTrue(e.getMessage().contains("EXISTS"), e.getMessage());
        assertThrows(ServerException.class, () -> drain("* 1001 RECENT\r\n", 4096, 1000));
        assertThrows(ServerException.class, () -> drain("* 99999999999999 FETCH (FLAGS ())\r\n", 4096, 1000));
    }

    @Test
    void messageZeroShouldFail() {
        assertThrows(ServerException.class, () -> drain("* 0 EXPUNGE\r\n", 4096, 1000));
        assertThrows(ServerException.class, () -> drain("* 0 FETCH (FLAGS ())\r\n", 4096, 1000));
    }

    @Test
    void numbersWithinTheListingPass() throws IOException {
        String wire = "* 0 EXISTS\r\n* 0 RECENT\r\n* 1000 EXISTS\r\n* 1000 FETCH (UID 5)\r\n* 3 EXPUNGE\r\n"
                + "* OK [UIDVALIDITY 4294967295]\r\nA1 OK done\r\n";
        assertArrayEquals(wire.getBytes(StandardCharsets.ISO_8859_1), drain(wire, 4096, 1000));
    }

    @Test
    void anEndlessUntaggedStreamToOneCommandShouldFail() {
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            wire.append("* OK still going\r\n");
        }
        ServerException e = assertThrows(ServerException.class, () -> drain(wire.toString(), 4096, 10));
        assertTrue(e.getMessage().contains("untagged"), e.getMessage());
    }

    @Test
    void aTaggedResponseResetsTheUntaggedBudget() throws IOException {
        StringBuilder wire = new StringBuilder();
        for (int c = 0; c < 10; c++) {
            for (int i = 0; i < 500; i++) {
                wire.append("* ").append(i + 1).append(" FETCH (UID ").append(i + 1).append(" RFC822.SIZE 100)\r\n");
            }
            wire.append("A").append(c).append(" OK done\r\n");
        }
        String w = wire.toString();
        assertArrayEquals(w.getBytes(StandardCharsets.ISO_8859_1), drain(w, 4096, 500));
    }
}
