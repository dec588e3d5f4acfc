package org.mailfetch.fetch.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailfetch.fetch.pop3.UidlKeys;

class UidlKeysTest {

    @Test
    @Timeout(10) // the old "#n" probe from 2 for every copy needed ~12 minutes for 200,000 copies
    void twoHundredThousandCopiesOfOneUidlShouldGetDistinctKeysInLinearTime() {
        UidlKeys keys = new UidlKeys();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            assertTrue(seen.add(keys.key("same")));
        }
        assertTrue(seen.contains("same") && seen.contains("same#2") && seen.contains("same#200000"));
    }

    @Test
    void aUidlThatLooksLikeASuffixedCopyShouldNotCollideWithOne() {
        UidlKeys keys = new UidlKeys();
        assertEquals("a", keys.key("a"));
        assertEquals("a#2", keys.key("a#2"));
        assertEquals("a#3", keys.key("a"));
        assertEquals("a#4", keys.key("a"));
    }

    @Test
    void aLongUidlShouldBeKeyedByItsDigestAndFitTheLedgerColumn() {
        UidlKeys keys = new UidlKeys();
        String k = keys.key("x".repeat(10_000));
        assertTrue(k.startsWith("sha256-") && k.length() == 71, k);
        assertEquals(k + "#2", keys.key("x".repeat(10_000)));
        assertEquals("y".repeat(200), keys.key("y".repeat(200)), "RFC-sized UIDLs stay as they are");
    }
}
