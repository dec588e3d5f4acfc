package org.mailfetch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.store.InvalidValue;

/** The one account-change model of the CLI, the REST API and the demo: rules, defaults, field names. */
class AccountChangeTest {

    private static AccountChange minimal() {
        return new AccountChange().owner("Alice@Example.COM").name(" alice ").host("pop.example.net").user("alice")
                .password("pw");
    }

    @Test
    void newAccountShouldTakeTheDocumentedDefaults() {
        Account a = minimal().toNewAccount();
        assertEquals(Security.SSL, a.security());
        assertEquals(995, a.port());
        assertEquals(30, a.intervalMinutes());
        assertEquals(DeleteMode.NEVER, a.deleteMode());
        assertTrue(a.enabled());
        assertEquals(Account.DEFAULT_RECIPIENT_HEADERS, a.recipientHeaders());
        assertEquals("alice", a.name(), "trimmed");
        assertEquals("alice@example.com", a.ownerAddress(), "normalised");
        assertNull(a.trustCertPem());
    }

    @Test
    void newSecurityShouldBringItsPortUnlessThePortWasSetApart() {
        Account ssl = minimal().toNewAccount();
        assertEquals(110, new AccountChange().security("none").applyTo(ssl).port());
        Account own = minimal().port(2995).toNewAccount();
        assertEquals(2995, new AccountChange().security("none").applyTo(own).port());
        assertEquals(110, minimal().security("starttls").toNewAccount().port());
    }

    @Test
    void updateShouldChangeOnlyTheFieldsGiven() {
        Account a = minimal().toNewAccount();
        Account b = new AccountChange().intervalMinutes(5).envelopeHeaders(List.of(" Delivered-To ", "")).applyTo(a);
        assertEquals(5, b.intervalMinutes());
        assertEquals(List.of("Delivered-To"), b.envelopeHeaders());
        assertEquals(a.name(), b.name());
        assertEquals(a.port(), b.port());
        assertNull(new AccountChange().password(), "no password: the stored one stays");
    }

    @Test
    void brokenRuleShouldNameTheFieldAsTheSurfaceNamesIt() {
        InvalidValue rest = assertThrows(InvalidValue.class, () -> minimal().intervalMinutes(0).toNewAccount());
        assertEquals("intervalMinutes", rest.field());
        InvalidValue cli = assertThrows(InvalidValue.class, () -> new AccountChange(
                AdminInput.names("intervalMinutes", "--interval")).intervalMinutes(0).applyTo(minimal().toNewAccount()));
        assertEquals("--interval", cli.field());
        assertTrue(cli.getMessage().startsWith("--interval "), cli.getMessage());
        assertEquals("password", assertThrows(InvalidValue.class,
                () -> minimal().password(null).toNewAccount()).field());
        assertEquals("port", assertThrows(InvalidValue.class, () -> minimal().port(70000).toNewAccount()).field());
        assertEquals("security", assertThrows(InvalidValue.class, () -> minimal().security("tls-maybe").toNewAccount()).field());
        assertEquals("delete", assertThrows(InvalidValue.class, () -> minimal().delete("sometimes").toNewAccount()).field());
        assertEquals("host", assertThrows(InvalidValue.class, () -> minimal().host("bad host").toNewAccount()).field());
        assertEquals("protocol", assertThrows(InvalidValue.class, () -> minimal().protocol("imap").toNewAccount()).field());
        assertEquals("trustCertPem", assertThrows(InvalidValue.class,
                () -> minimal().trustCertPem("not a certificate").toNewAccount()).field());
        assertEquals("maxMessageSize", assertThrows(InvalidValue.class,
                () -> minimal().maxMessageSize("lots").maxMessageSizeBytes()).field());
    }

    @Test
    void maxMessageSizeShouldBeBytesASizeOrTheDefault() {
        assertEquals(50L * 1024 * 1024, minimal().maxMessageSize("50MiB").maxMessageSizeBytes());
        assertEquals(1000L, minimal().maxMessageSize("1000").maxMessageSizeBytes());
        AccountChange back = minimal().maxMessageSize(null);
        assertTrue(back.changesMaxMessageSize());
        assertNull(back.maxMessageSizeBytes());
    }
}
