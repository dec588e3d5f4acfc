package org.mailfetch.account;

import java.util.List;

/**
 * The options only an IMAP account has: the folders to fetch (in order, at least one), the folder
 * that takes messages instead of deleting them (null: delete), whether delivered messages get \Seen
 * on the server, and whether the account is pushed by IDLE (phase 2).
 */
public record ImapOptions(List<String> folders, String moveTo, boolean markSeen, boolean idle) {

    /** An account without a row of its own: INBOX, no move, no \Seen, no IDLE. */
    public static final ImapOptions DEFAULT = new ImapOptions(List.of("INBOX"), null, false, false);

    /** Longest folder name accepted (the column holds 1000 characters). */
    public static final int MAX_FOLDER_CHARS = 1000;

    public ImapOptions {
        // INBOX is case-insensitive (RFC 3501 5.1): "inbox" and "INBOX" are one folder, fetched once
        folders = folders.stream().map(ImapOptions::inbox).toList();
        moveTo = inbox(moveTo);
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("an IMAP account fetches at least one folder");
        }
        for (String f : folders) {
            checkFolder(f);
        }
        if (folders.stream().distinct().count() != folders.size()) {
            throw new IllegalArgumentException("a folder is named twice: " + folders);
        }
        if (moveTo != null) {
            checkFolder(moveTo);
            if (folders.contains(moveTo)) {
                throw new IllegalArgumentException("the move-to folder " + moveTo + " is one of the fetched folders:"
                        + " moved mail would be fetched again");
            }
        }
    }

    private static String inbox(String name) {
        return name != null && name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
    }

    private static void checkFolder(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_FOLDER_CHARS
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("unsuitable IMAP folder name (empty, longer than " + MAX_FOLDER_CHARS
                    + " characters, or with control characters)");
        }
    }
}
