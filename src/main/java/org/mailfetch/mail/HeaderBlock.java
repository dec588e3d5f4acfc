package org.mailfetch.mail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A message's header fields, read in one forward pass over its first bytes: the fields, names and
 * values that Jakarta Mail's {@code InternetHeaders} gives for the same bytes (tested against it),
 * without its reading a byte at a time through a synchronized stream (a quarter of an LMTP
 * delivery's CPU), and without its failure: a block that starts with a continuation line made it
 * throw an {@code IndexOutOfBoundsException}, which stopped the session on that message.
 *
 * <p>As there: a line ends at LF, CRLF, CR CR LF or a lone CR; bytes are ISO-8859-1 characters (the readers
 * of values decode UTF-8 themselves); the block ends at the first empty line; a line starting with
 * a space or tab continues the field before it (kept folded, joined by CRLF); a field's name is what
 * comes before its first colon, trimmed (a line without one is its own name and value); a value
 * starts after the colon and the white space that follows it. A continuation line with no field
 * before it is dropped (InternetHeaders threw there), except on the very first line, where its
 * trimmed text starts a field, as there.
 */
public final class HeaderBlock {

    private final List<String> names = new ArrayList<>();
    private final List<String> fields = new ArrayList<>();

    private HeaderBlock() {}

    /** The header block at the start of {@code bytes[0, length)}. */
    public static HeaderBlock parse(byte[] bytes, int length) {
        HeaderBlock block = new HeaderBlock();
        Lines lines = new Lines(bytes, length);
        String previous = null;
        StringBuilder folded = new StringBuilder();
        boolean first = true;
        String line;
        do {
            line = lines.next();
            if (line != null && isContinuation(line)) {
                if (previous != null) {
                    folded.append(previous);
                    previous = null;
                }
                if (first) {
                    String trimmed = line.trim();
                    if (!trimmed.isEmpty()) {
                        folded.append(trimmed);
                    }
                } else {
                    if (folded.length() > 0) {
                        folded.append("\r\n");
                    }
                    folded.append(line);
                }
            } else {
                if (previous != null) {
                    block.add(previous);
                } else if (folded.length() > 0) {
                    block.add(folded.toString());
                    folded.setLength(0);
                }
                previous = line;
            }
            first = false;
        } while (line != null && !line.isEmpty());
        return block;
    }

    private static boolean isContinuation(String line) {
        return !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
    }

    private void add(String field) {
        if (field.isEmpty()) {
            return;
        }
        if (isContinuation(field)) {
            int last = fields.size() - 1;
            if (last >= 0) {
                fields.set(last, fields.get(last) + "\r\n" + field);
            }
            return;
        }
        int colon = field.indexOf(':');
        names.add((colon < 0 ? field : field.substring(0, colon)).trim());
        fields.add(field);
    }

    /** The values of the fields named {@code name} (any case), topmost first; empty when there is none. */
    public String[] values(String name) {
        List<String> found = new ArrayList<>(2);
        for (int i = 0; i < fields.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                found.add(value(fields.get(i)));
            }
        }
        return found.toArray(new String[0]);
    }

    /** How many fields the block has. */
    public int size() {
        return fields.size();
    }

    /** The name of the {@code i}th field (from 0, topmost first), trimmed. */
    public String name(int i) {
        return names.get(i);
    }

    /** The value of the {@code i}th field (from 0, topmost first). */
    public String value(int i) {
        return value(fields.get(i));
    }

    /** Every field as it stood, folded lines joined by CRLF, in order. */
    public List<String> fields() {
        return List.copyOf(fields);
    }

    private static String value(String field) {
        int colon = field.indexOf(':');
        if (colon < 0) {
            return field;
        }
        int j = colon + 1;
        while (j < field.length()) {
            char c = field.charAt(j);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                break;
            }
            j++;
        }
        return field.substring(j);
    }

    /** The lines of the bytes: each ends at LF, CRLF, CR CR LF or a lone CR; null after the last. */
    private static final class Lines {
        private final byte[] b;
        private final int end;
        private int at;

        Lines(byte[] b, int end) {
            this.b = b;
            this.end = end;
        }

        String next() {
            if (at >= end) {
                return null;
            }
            int start = at;
            int i = start;
            while (i < end && b[i] != '\n' && b[i] != '\r') {
                i++;
            }
            String line = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            if (i < end && b[i] == '\r' && i + 1 < end && b[i + 1] == '\n') {
                at = i + 2;
            } else if (i < end && b[i] == '\r' && i + 2 < end && b[i + 1] == '\r' && b[i + 2] == '\n') {
                at = i + 3; // CR CR LF is one line end (an extraneous CR), as in Jakarta Mail's LineInputStream
            } else {
                at = i + 1;
            }
            return line;
        }
    }
}
