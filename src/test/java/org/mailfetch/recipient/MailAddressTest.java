package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.mail.EnvelopeAddress;

/** Issue 8, item 1: a local part never holds what separates or quotes addresses in an envelope. */
class MailAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"x,victim@elsewhere.example,y@routed.example", "a b@example.com", "a<b@example.com",
        "a>b@example.com", "\"a\"@example.com", "a\r\nRCPT TO:<b@example.com", "a\u0000b@example.com",
        "a;b@example.com", "a\u0085b@example.com", "a@b@example.com", "a\u00a0b@example.com"})
    void aLocalPartWithASeparatorQuoteSpaceOrControlCharacterShouldBeRefused(String address) {
        assertThrows(IllegalArgumentException.class, () -> MailAddress.parse(address));
    }

    @Test
    void ordinaryAddressesShouldStillParseAndNormalise() {
        assertEquals("bob+tag@example.com", MailAddress.parse(" Bob+Tag@Example.COM ").toString());
        assertEquals("erika@xn--bcher-kva.example", MailAddress.parse("erika@bücher.example").toString());
        assertEquals("o'neil@example.com", MailAddress.parse("O'Neil@example.com").toString());
    }

    @Test
    void onlyPlainAsciiAddressesShouldBeEnvelopeSafe() {
        assertTrue(MailAddress.parse("bob@example.com").envelopeSafe());
        assertFalse(MailAddress.parse("jörg@example.com").envelopeSafe(), "no SMTPUTF8");
        assertEquals("<>", EnvelopeAddress.reversePath("a@b>\r\nRCPT TO:<c@d"));
        assertEquals("<bob@example.com>", EnvelopeAddress.reversePath("<bob@example.com>"));
    }
}
