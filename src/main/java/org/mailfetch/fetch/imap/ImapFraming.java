package org.mailfetch.fetch.imap;

import org.mailfetch.fetch.ServerException;

/**
 * Follows the IMAP responses a server sends exactly as Angus Mail frames them
 * ({@code ResponseInputStream.readResponse} and {@code ASCIIUtility.parseInt}, Angus 2.0.5), so
 * that what Angus keeps can be bounded before it reads it:
 * <ul>
 * <li>a line ends at LF right after CR (literal bytes included: a literal ending in CR followed by
 * LF ends the line);</li>
 * <li>a line ends the response unless the response so far has at least 5 bytes, its third-last
 * byte is {@code '}'} and the bytes between the nearest {@code '{'} before it and that
 * {@code '}'} parse as an int (an optional {@code '-'}, then decimal digits, leading zeros
 * allowed, within int range). Then that many literal bytes follow and the response goes on with
 * the next line — also for {@code {0}}. Angus would read no bytes for a negative count and go on,
 * which lets a response grow without end: a negative count fails the connection here, as a
 * protocol error. {@code ~{n}} (literal8) is framed the same way; {@code {n+}} is no literal for
 * Angus and so none here;</li>
 * <li>every byte of the response counts towards {@code maxResponse}, literal or not;</li>
 * <li>the untagged responses since the last tagged one — all of which Angus keeps until the
 * tagged one ends the command — are bounded in number and bytes;</li>
 * <li>{@code * n EXISTS} / {@code RECENT} with n above {@code maxMessages}, and
 * {@code * n FETCH} / {@code EXPUNGE} with n of 0 or above it fail the connection: Angus sizes
 * arrays by EXISTS and indexes them by those numbers.</li>
 * </ul>
 * Each method that sees a byte throws {@link ServerException} (an IOException) when a bound is
 * crossed; the caller then fails the connection.
 */
final class ImapFraming {

    /** Untagged bytes allowed per message the listing may hold, on top of one whole response. */
    static final long UNTAGGED_BYTES_PER_MESSAGE = 512;
    /** Untagged responses allowed per message the listing may hold, on top of a fixed allowance. */
    static final long UNTAGGED_RESPONSES_PER_MESSAGE = 2;
    static final long UNTAGGED_RESPONSES_BASE = 10_000;

    private static final int HEAD = 48;

    private final long maxResponse;
    private final long maxMessages;
    private final long maxUntaggedBytes;
    private final long maxUntaggedResponses;

    private long inResponse;
    private long literalLeft;
    /** The previous byte of the response and the one before it (literal bytes included); -1: none. */
    private int prev1 = -1;
    private int prev2 = -1;

    /** Whether a '{' was seen in this response; the parse of what follows the latest one. */
    private boolean brace;
    private int bracePos;
    private boolean braceNegative;
    private boolean braceDigit;
    private boolean braceFailed;
    private int braceResult;
    /** The brace parse as it stood at the latest '}': whether it gave a number, and which. */
    private boolean closeValid;
    private int closeValue;

    private final byte[] head = new byte[HEAD];
    private int headLength;

    private long untaggedBytes;
    private long untaggedResponses;

    ImapFraming(long maxResponse, long maxMessages) {
        this.maxResponse = maxResponse;
        this.maxMessages = maxMessages;
        this.maxUntaggedBytes = maxResponse + maxMessages * UNTAGGED_BYTES_PER_MESSAGE;
        this.maxUntaggedResponses = UNTAGGED_RESPONSES_BASE + maxMessages * UNTAGGED_RESPONSES_PER_MESSAGE;
    }

    /** Bytes of the current response seen so far (0 between responses). */
    long inResponse() {
        return inResponse;
    }

    /** Sees one byte (0-255); true when it ended a response. */
    boolean see(int b) throws ServerException {
        if (++inResponse > maxResponse) {
            throw fail("a response longer than " + maxResponse + " bytes");
        }
        if (headLength < HEAD) {
            head[headLength++] = (byte) b;
        }
        if (head[0] == '*' && untaggedBytes + inResponse > maxUntaggedBytes) {
            throw fail("untagged responses of more than " + maxUntaggedBytes + " bytes to one command");
        }
        boolean inLiteral = literalLeft > 0;
        if (inLiteral) {
            literalLeft--;
        }
        braceByte(b);
        boolean lineEnd = !inLiteral && b == '\n' && prev1 == '\r';
        boolean announced = prev2 == '}';
        prev2 = prev1;
        prev1 = b;
        if (!lineEnd) {
            return false;
        }
        // a line ended: a literal announcement at its end ({n}CRLF, as Angus parses n) continues the response
        if (inResponse >= 5 && announced && closeValid) {
            long count = closeValue;
            if (count < 0) {
                throw fail("a literal of negative size (" + count + ")");
            }
            if (count > maxResponse - inResponse) {
                throw fail("a literal of " + count + " bytes");
            }
            literalLeft = count;
            return false;
        }
        endResponse();
        return true;
    }

    private void braceByte(int b) {
        if (b == '{') {
            brace = true;
            bracePos = 0;
            braceNegative = false;
            braceDigit = false;
            braceFailed = false;
            braceResult = 0;
            return;
        }
        if (b == '}') {
            closeValid = brace && !braceFailed && braceDigit;
            closeValue = closeValid ? (braceNegative ? braceResult : -braceResult) : 0;
        }
        if (!brace || braceFailed) {
            return;
        }
        if (bracePos++ == 0 && b == '-') {
            braceNegative = true;
            return;
        }
        int digit = Character.digit((char) (byte) b, 10); // as Angus: a signed byte widened to char
        if (digit < 0) {
            braceFailed = true;
            return;
        }
        int limit = braceNegative ? Integer.MIN_VALUE : -Integer.MAX_VALUE;
        int multmin = limit / 10;
        if (!braceDigit) {
            braceDigit = true;
            braceResult = -digit;
            return;
        }
        if (braceResult < multmin) {
            braceFailed = true;
            return;
        }
        braceResult *= 10;
        if (braceResult < limit + digit) {
            braceFailed = true;
            return;
        }
        braceResult -= digit;
    }

    private void endResponse() throws ServerException {
        if (headLength > 0 && head[0] == '*') {
            untaggedBytes += inResponse;
            if (++untaggedResponses > maxUntaggedResponses) {
                throw fail("more than " + maxUntaggedResponses + " untagged responses to one command");
            }
            checkNumber();
        } else if (headLength > 0 && head[0] != '+') {
            untaggedBytes = 0; // a tagged response ends the command and what Angus kept for it
            untaggedResponses = 0;
        }
        inResponse = 0;
        literalLeft = 0;
        prev1 = -1;
        prev2 = -1;
        brace = false;
        closeValid = false;
        headLength = 0;
    }

    /** {@code * n EXISTS|RECENT|FETCH|EXPUNGE}: n within the listing, and no message 0. */
    private void checkNumber() throws ServerException {
        int i = 1;
        while (i < headLength && head[i] == ' ') {
            i++;
        }
        int start = i;
        long n = 0;
        while (i < headLength && head[i] >= '0' && head[i] <= '9') {
            if (n <= Integer.MAX_VALUE) {
                n = n * 10 + (head[i] - '0');
            }
            i++;
        }
        if (i == start) {
            return;
        }
        while (i < headLength && head[i] == ' ') {
            i++;
        }
        int word = i;
        while (i < headLength && Character.isLetter(head[i])) {
            i++;
        }
        String key = new String(head, word, i - word, java.nio.charset.StandardCharsets.ISO_8859_1)
                .toUpperCase(java.util.Locale.ROOT);
        switch (key) {
            case "EXISTS", "RECENT" -> {
                if (n > maxMessages) {
                    throw fail("* " + n + " " + key + ", more messages than " + org.mailfetch.fetch.FetchContext.MAX_LISTING
                            + " (" + maxMessages + ")");
                }
            }
            case "FETCH", "EXPUNGE" -> {
                if (n == 0 || n > maxMessages) {
                    throw fail("* " + n + " " + key + ", a message number outside 1.." + maxMessages + " ("
                            + org.mailfetch.fetch.FetchContext.MAX_LISTING + ")");
                }
            }
            default -> {
                // other responses carry no message number Angus sizes or indexes by
            }
        }
    }

    private ServerException fail(String what) {
        return new ServerException(ServerException.Kind.PROTOCOL, "the IMAP server sent " + what
                + ", more than or other than mailfetch accepts (response limit " + maxResponse
                + " bytes); the connection is dropped");
    }
}
