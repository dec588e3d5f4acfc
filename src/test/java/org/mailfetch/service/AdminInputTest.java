package org.mailfetch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mailfetch.store.InvalidValue;

class AdminInputTest {

    @Test
    void everyControlCharacterShouldBeRefusedNamingTheFieldButNotEchoingTheValue() {
        for (char c = 0; c < 0x20; c++) {
            String value = "secret" + c + "x";
            InvalidValue e = assertThrows(InvalidValue.class, () -> AdminInput.text("user", value));
            assertEquals("user", e.field());
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
        assertThrows(InvalidValue.class, () -> AdminInput.text("--user", "a\u007fb"));
        assertEquals("päss wörd €", AdminInput.text("password", "päss wörd €"));
    }

    @Test
    void hostsShouldBeNamesOrIpAddressesOnly() {
        for (String ok : new String[] {"pop.example.com", "pop.example.com.", "127.0.0.1", "::1", "[::1]",
                "[2001:db8::1]", "localhost", "mail_1.example.com", "xn--bcher-kva.example", "a".repeat(63) + ".example"}) {
            assertTrue(AdminInput.isHost(ok), ok);
        }
        for (String bad : new String[] {"", "pop example.com", "pop..example.com", ".example.com", "-pop.example.com",
                "pop-.example.com", "relay/x", "h:25", "[zz::1]", "[::1", "a".repeat(64) + ".example", "pop\r\n.example",
                "user@host", "host%0d"}) {
            assertFalse(AdminInput.isHost(bad), bad);
        }
        assertEquals("pop.example.com", AdminInput.host("host", "  pop.example.com "));
        assertEquals("lmtp", assertThrows(InvalidValue.class, () -> AdminInput.lmtp("lmtp", "bad host:24")).field());
        assertEquals("name", assertThrows(InvalidValue.class, () -> AdminInput.domain("name", "exa mple.org")).field());
        assertEquals("example.org", AdminInput.domain("name", "Example.ORG"));
    }
}
