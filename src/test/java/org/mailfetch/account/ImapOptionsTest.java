package org.mailfetch.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** INBOX in any case is one folder (RFC 3501 5.1): named twice, or as the move-to target, it would be fetched again. */
class ImapOptionsTest {

    @Test
    void inboxInAnyCaseIsTheOneInbox() {
        assertEquals(List.of("INBOX", "Work"), new ImapOptions(List.of("inbox", "Work"), null, false, false).folders());
        assertThrows(IllegalArgumentException.class, () -> new ImapOptions(List.of("INBOX", "Inbox"), null, false, false));
        assertThrows(IllegalArgumentException.class, () -> new ImapOptions(List.of("INBOX"), "inbox", false, false));
        assertEquals("Archive", new ImapOptions(List.of("INBOX"), "Archive", false, false).moveTo());
        assertEquals(List.of("INBOX", "inbox-old"), new ImapOptions(List.of("INBOX", "inbox-old"), null, false, false).folders(),
                "only the name INBOX itself is case-insensitive");
    }
}
