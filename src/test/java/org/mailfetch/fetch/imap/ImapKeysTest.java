package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Ledger keys of IMAP messages stay short, printable and unambiguous; the digest survives renumbering only. */
class ImapKeysTest {

    @Test
    void anOrdinaryFolderShouldAppearAsItIs() {
        assertEquals("INBOX;1700000000;42", ImapKeys.key(ImapKeys.folderPart("INBOX"), 1700000000L, 42));
        assertEquals("Archiv/2024 Übersicht", ImapKeys.folderPart("Archiv/2024 Übersicht"));
    }

    @Test
    void longOrAwkwardFolderNamesShouldBeDigestedIntoShortPrintableKeys() {
        for (String folder : new String[] {"x".repeat(1000), "tab\there", "new\r\nline", "semi;colon", "#hash"}) {
            String key = ImapKeys.key(ImapKeys.folderPart(folder), 4294967295L, 4294967295L);
            assertTrue(key.length() <= 512, key);
            assertTrue(key.chars().noneMatch(c -> c < 0x20 || c == 0x7f), key);
            assertTrue(key.matches("#[0-9a-f]{40};4294967295;4294967295"), key);
        }
        assertNotEquals(ImapKeys.folderPart("x".repeat(1000)), ImapKeys.folderPart("x".repeat(1001)));
    }

    @Test
    void theUidValidityShouldBeReadOnlyFromKeysOfTheSameFolder() {
        assertEquals(7, ImapKeys.uidValidity("INBOX;7;1", "INBOX"));
        assertEquals(-1, ImapKeys.uidValidity("INBOX;7;1", "Work"));
        // a folder named like a prefix of another folder's key is not that folder
        assertEquals(-1, ImapKeys.uidValidity("INBOX.a;7;1", "INBOX"));
        assertEquals(-1, ImapKeys.uidValidity("uidl-from-pop3", "INBOX"));
    }

    @Test
    void theDigestShouldDependOnFolderMessageIdDateAndSizeOnly() {
        Instant date = Instant.parse("2026-01-02T03:04:05Z");
        String d = ImapKeys.identity("INBOX", "<a@b>", date, 100);
        assertEquals(d, ImapKeys.identity("INBOX", " <a@b> ", date, 100));
        assertNotEquals(d, ImapKeys.identity("Work", "<a@b>", date, 100));
        assertNotEquals(d, ImapKeys.identity("INBOX", "<c@b>", date, 100));
        assertNotEquals(d, ImapKeys.identity("INBOX", "<a@b>", date.plusSeconds(1), 100));
        assertNotEquals(d, ImapKeys.identity("INBOX", "<a@b>", date, 101));
        assertEquals(64, d.length());
    }
}
