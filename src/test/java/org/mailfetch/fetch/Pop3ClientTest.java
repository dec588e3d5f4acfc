package org.mailfetch.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailfetch.mail.Security;
import org.mailfetch.fetch.pop3.Pop3Client;
import org.mailfetch.fetch.pop3.Pop3Exception;

class Pop3ClientTest {

    private ScriptedPop3 server;

    @BeforeEach
    void setUp() throws Exception {
        server = new ScriptedPop3();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Pop3Client client(Security security) throws Exception {
        return Pop3Client.open(new Pop3Client.Endpoint("127.0.0.1", server.port(), security, null, Duration.ofSeconds(5),
                Duration.ofSeconds(2)), Long.MAX_VALUE);
    }

    private String retr(String wire, long max) throws Exception {
        server.overrides.put("RETR", (s, args, out) -> ScriptedPop3.write(out, wire));
        try (Pop3Client c = client(Security.NONE)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            c.retrieve(1, out, max);
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void retrShouldUnstuffDotsAndEndOnlyAtCrlfDotCrlf() throws Exception {
        assertEquals("a\r\n.b\r\n.\r\nc\n.\r\nd\r\n",
                retr("+OK\r\na\r\n..b\r\n..\r\nc\n.\r\nd\r\n.\r\n", 1000),
                "\"..\" is an unstuffed \".\"; a \".\" after a bare LF is text");
    }

    @Test
    void aRetrLongerThanTheLimitShouldStopAtTheLimit() {
        assertThrows(TooLargeException.class, () -> retr("+OK\r\n" + "x".repeat(5000) + "\r\n.\r\n", 4096));
    }

    @Test
    void aReplyThatIsNotPop3ShouldBeAProtocolError() {
        server.greeting = (s, a, out) -> ScriptedPop3.write(out, "HTTP/1.1 200 OK\r\n");
        Pop3Exception e = assertThrows(Pop3Exception.class, () -> client(Security.NONE));
        assertEquals(Pop3Exception.Kind.PROTOCOL, e.kind());
    }

    @Test
    void aUserNameWithCrLfShouldNeverReachTheServer() throws Exception {
        try (Pop3Client c = client(Security.NONE)) {
            assertThrows(IllegalArgumentException.class, () -> c.login("u\r\nDELE 1", "p"));
            assertThrows(IllegalArgumentException.class, () -> c.login("u", "p\u0000x"));
        }
        assertEquals(0, server.count("USER") + server.count("DELE") + server.count("PASS"), server.received.toString());
    }

    @Test
    void starttlsShouldBeRequiredWhenTheAccountSaysSoAndNeverFallBackToPlaintext() {
        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nUSER\r\n.\r\n"));
        Pop3Exception e = assertThrows(Pop3Exception.class, () -> client(Security.STARTTLS));
        assertTrue(e.getMessage().contains("does not offer STLS"), e.getMessage());

        server.overrides.put("CAPA", (s, a, out) -> ScriptedPop3.write(out, "+OK\r\nSTLS\r\n.\r\n"));
        server.overrides.put("STLS", (s, a, out) -> ScriptedPop3.write(out, "+OK go ahead\r\nnot a TLS handshake\r\n"));
        assertThrows(java.io.IOException.class, () -> client(Security.STARTTLS_OPTIONAL),
                "a failed handshake ends the session");
        assertEquals(0, server.count("USER"), "no credentials in plaintext");
    }

    @Test
    void responseCodesShouldTellLoginFailuresFromTemporaryOnes() throws Exception {
        for (String[] c : new String[][] {{"-ERR [AUTH] bad password", "LOGIN_REFUSED"}, {"-ERR bad password", "LOGIN_REFUSED"},
                {"-ERR [IN-USE] locked", "TEMPORARY"}, {"-ERR [SYS/TEMP] later", "TEMPORARY"},
                {"-ERR [SYS/PERM] broken", "REFUSED"}}) {
            server.overrides.put("PASS", (s, a, out) -> ScriptedPop3.write(out, c[0] + "\r\n"));
            try (Pop3Client client = client(Security.NONE)) {
                Pop3Exception e = assertThrows(Pop3Exception.class, () -> client.login("u", "p"));
                assertEquals(c[1], e.kind().name(), c[0]);
            }
        }
    }
}
