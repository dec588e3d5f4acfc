package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Parsing of spamd and clamd answers (the shapes seen from spamd 4.0 and clamd 1.0, plus broken ones). */
class ScannerAnswersTest {

    private static SpamdClient.Verdict spamd(String answer) throws ScannerUnavailableException {
        return SpamdClient.parse(answer.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void spamdSymbolsAnswerShouldGiveScoreThresholdAndRules() throws Exception {
        SpamdClient.Verdict v = spamd("SPAMD/1.1 0 EX_OK\r\nContent-length: 24\r\nSpam: True ; 1005.2 / 5.0\r\n\r\n"
                + "GTUBE,MISSING_DATE,NO_RECEIVED");
        assertEquals(1005.2, v.score());
        assertEquals(5.0, v.threshold());
        assertEquals(List.of("GTUBE", "MISSING_DATE", "NO_RECEIVED"), v.rules());
    }

    @Test
    void spamdHamAnswerWithNegativeScoreAndNoRulesShouldParse() throws Exception {
        SpamdClient.Verdict v = spamd("SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.1 / 5.0\r\n\r\n");
        assertEquals(-0.1, v.score());
        assertTrue(v.rules().isEmpty());
    }

    @Test
    void spamdHeaderNamesShouldBeCaseInsensitive() throws Exception {
        assertEquals(2.5, spamd("SPAMD/1.5 0 EX_OK\nspam: false ; 2.5 / 5.0\n\n").score());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "HTTP/1.1 200 OK\r\n\r\n", "SPAMD/1.0 76 Bad header line: (EOF)\r\n",
            "SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n", "SPAMD/1.1 0 EX_OK\r\nSpam: True ; lots / 5.0\r\n\r\n",
            "SPAMD/1.1 0 EX_OK\r\nSpam: True\r\n\r\n"})
    void brokenOrRefusingSpamdAnswersShouldMeanTheScannerIsUnavailable(String answer) {
        assertThrows(ScannerUnavailableException.class, () -> spamd(answer));
    }

    @Test
    void clamdAnswersShouldGiveSignatureCleanOrTooLarge() throws Exception {
        assertEquals("Eicar-Test-Signature.UNOFFICIAL", ClamdClient.parse("stream: Eicar-Test-Signature.UNOFFICIAL FOUND").signature());
        assertNull(ClamdClient.parse("stream: OK").signature());
        assertTrue(ClamdClient.parse("INSTREAM size limit exceeded. ERROR").tooLarge());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "UNKNOWN COMMAND", "stream: Can't allocate memory ERROR"})
    void otherClamdAnswersShouldMeanTheScannerIsUnavailable(String answer) {
        assertThrows(ScannerUnavailableException.class, () -> ClamdClient.parse(answer));
    }
}
