package org.mailfetch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mailfetch.account.ImapOptions;
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
        assertEquals("protocol", assertThrows(InvalidValue.class, () -> minimal().protocol("smtp").toNewAccount()).field());
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

    @Test
    void imapAccountShouldTakeItsPortsAndTheDefaultImapOptions() {
        Account a = minimal().protocol("IMAP").toNewAccount();
        assertEquals("imap", a.protocol());
        assertEquals(993, a.port());
        assertEquals(143, minimal().protocol("imap").security("starttls").toNewAccount().port());
        assertEquals(ImapOptions.DEFAULT, minimal().protocol("imap").imapOptions(a, ImapOptions.DEFAULT));
        assertNull(minimal().imapOptions(minimal().toNewAccount(), ImapOptions.DEFAULT), "a POP3 account has none");
    }

    @Test
    void aNewProtocolShouldBringItsPortUnlessThePortWasSetApart() {
        Account pop = minimal().toNewAccount();
        Account imap = new AccountChange().protocol("imap").applyTo(pop);
        assertEquals(993, imap.port());
        assertEquals(143, new AccountChange().security("none").applyTo(imap).port());
        assertEquals(110, new AccountChange().protocol("pop3").applyTo(new AccountChange().security("none").applyTo(imap)).port());
        assertEquals(995, new AccountChange().protocol("pop3").applyTo(imap).port());
        Account own = minimal().port(2995).toNewAccount();
        assertEquals(2995, new AccountChange().protocol("imap").applyTo(own).port());
        assertEquals(1143, new AccountChange().protocol("imap").port(1143).applyTo(pop).port());
    }

    @Test
    void imapOptionsShouldChangeOnlyWhatIsGiven() {
        Account a = minimal().protocol("imap").delete("immediately").toNewAccount();
        ImapOptions set = minimal().folders(List.of("INBOX", "Lists/rust, dev")).moveTo("Archive").markSeen(true).idle(true)
                .imapOptions(a, ImapOptions.DEFAULT);
        assertEquals(new ImapOptions(List.of("INBOX", "Lists/rust, dev"), "Archive", true, true), set);
        assertEquals(new ImapOptions(List.of("INBOX", "Lists/rust, dev"), null, true, false),
                new AccountChange().moveTo(null).idle(false).imapOptions(a, set));
        assertEquals(set, new AccountChange().intervalMinutes(5).imapOptions(a, set));
    }

    @Test
    void imapOptionsShouldBeRefusedForPop3AndCheckedForImapNamingTheField() {
        Account pop = minimal().toNewAccount();
        java.util.function.UnaryOperator<String> cli = AdminInput.names("folders", "--folder", "moveTo", "--move-to",
                "markSeen", "--mark-seen", "idle", "--idle", "protocol", "--protocol");
        for (AccountChange c : List.of(new AccountChange(cli).folders(List.of("INBOX")),
                new AccountChange(cli).moveTo("Archive"), new AccountChange(cli).markSeen(true),
                new AccountChange(cli).idle(true))) {
            InvalidValue e = assertThrows(InvalidValue.class, () -> c.imapOptions(pop, ImapOptions.DEFAULT));
            assertTrue(e.getMessage().startsWith(e.field() + " is only for IMAP accounts (--protocol imap)"), e.getMessage());
        }
        assertNull(new AccountChange().markSeen(false).idle(false).moveTo(null).imapOptions(pop, ImapOptions.DEFAULT),
                "switching the options off is no IMAP option");
        Account imap = minimal().protocol("imap").toNewAccount();
        assertEquals("folders", assertThrows(InvalidValue.class,
                () -> new AccountChange().folders(List.of()).imapOptions(imap, ImapOptions.DEFAULT)).field());
        assertEquals("folders", assertThrows(InvalidValue.class,
                () -> new AccountChange().folders(List.of("A", "A")).imapOptions(imap, ImapOptions.DEFAULT)).field());
        InvalidValue control = assertThrows(InvalidValue.class,
                () -> new AccountChange(cli).folders(List.of("IN\r\nBOX")).imapOptions(imap, ImapOptions.DEFAULT));
        assertEquals("--folder", control.field());
        assertTrue(control.getMessage().contains("must not contain control characters"), control.getMessage());
        assertEquals("moveTo", assertThrows(InvalidValue.class,
                () -> new AccountChange().moveTo("INBOX").imapOptions(imap, ImapOptions.DEFAULT)).field());
        assertEquals("moveTo", assertThrows(InvalidValue.class,
                () -> new AccountChange().moveTo("").imapOptions(imap, ImapOptions.DEFAULT)).field());
        ImapOptions moving = new ImapOptions(List.of("INBOX"), "Done", false, false);
        assertEquals("folders", assertThrows(InvalidValue.class,
                () -> new AccountChange().folders(List.of("Done")).imapOptions(imap, moving)).field(),
                "the folders given now clash with the stored move-to folder");
    }
}
