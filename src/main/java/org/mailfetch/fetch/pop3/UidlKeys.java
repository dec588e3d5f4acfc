package org.mailfetch.fetch.pop3;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;


/**
 * Turns the UIDLs of one listing into ledger keys: unique within the listing and short enough for
 * the ledger column. A UIDL longer than {@link #MAX_PLAIN} characters (or holding a control
 * character) is keyed by its SHA-256; a repeated UIDL gets "#2", "#3", … in listing order. Linear:
 * each base remembers its next suffix, so 200,000 copies of one UIDL cost 200,000 set look-ups.
 */
final class UidlKeys {

    /** UIDLs up to this length are stored as they are (RFC 1939 allows 70; the column holds 512). */
    static final int MAX_PLAIN = Listings.MAX_PLAIN_UIDL;

    private final Set<String> taken = new HashSet<>();
    private final Map<String, Integer> nextSuffix = new HashMap<>();

    String key(String uidl) {
        String base = uidl.length() > MAX_PLAIN || hasControl(uidl) ? Listings.digestKey(uidl) : uidl;
        if (taken.add(base)) {
            return base;
        }
        // A broken server may repeat a UIDL; a suffix keeps both messages apart rather than skip one.
        int n = nextSuffix.getOrDefault(base, 2);
        String key = base + "#" + n;
        while (!taken.add(key)) {
            key = base + "#" + ++n;
        }
        nextSuffix.put(base, n + 1);
        return key;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
