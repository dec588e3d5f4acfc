package org.mailfetch.fetch.imap;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ledger keys of IMAP messages, {@code <folder>;<UIDVALIDITY>;<UID>}, and the digest that names a
 * message across a UIDVALIDITY change. A folder name longer than {@value #MAX_FOLDER_CHARS}
 * characters, or holding a control character, ';' or '#', stands in the key as '#' and 40 hex digits
 * of its SHA-256: keys stay under 512 characters, printable, and split unambiguously.
 */
final class ImapKeys {

    static final int MAX_FOLDER_CHARS = 200;
    /** Longest Message-ID taken into the digest (RFC 5322's line limit). */
    static final int MAX_MESSAGE_ID_CHARS = 998;
    private static final Pattern REST = Pattern.compile("(\\d{1,10});(\\d{1,10})");

    private ImapKeys() {}

    /** How the folder appears in its messages' keys. */
    static String folderPart(String folder) {
        boolean plain = !folder.isEmpty() && folder.length() <= MAX_FOLDER_CHARS
                && folder.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == ';' || c == '#');
        return plain ? folder : "#" + sha256(folder).substring(0, 40);
    }

    static String key(String folderPart, long uidValidity, long uid) {
        return folderPart + ";" + uidValidity + ";" + uid;
    }

    /** The UIDVALIDITY in a key of this folder; -1 when the key belongs to another folder (or is no IMAP key). */
    static long uidValidity(String key, String folderPart) {
        if (!key.startsWith(folderPart + ";")) {
            return -1;
        }
        Matcher m = REST.matcher(key.substring(folderPart.length() + 1));
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * SHA-256 (hex) of folder, Message-ID, INTERNALDATE and size: what stays when a server renumbers a
     * folder. Two messages alike in all four are told apart by count only.
     */
    static String identity(String folderPart, String messageId, Instant internalDate, long size) {
        String id = messageId == null ? "" : messageId.strip();
        if (id.length() > MAX_MESSAGE_ID_CHARS) {
            id = id.substring(0, MAX_MESSAGE_ID_CHARS);
        }
        return sha256(folderPart + "\n" + id + "\n" + (internalDate == null ? "" : internalDate.getEpochSecond())
                + "\n" + size);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
