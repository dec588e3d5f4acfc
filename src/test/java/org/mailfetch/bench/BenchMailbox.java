package org.mailfetch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Random;
import org.mailfetch.testsupport.Dovecot;

/**
 * The benchmark's mailboxes: 2000 text messages of 4 KB, and 50 messages of 1 MB that carry a
 * base64 attachment, as mail usually grows large. Messages are deterministic (seeded by their
 * index), exactly the requested size, with LF line ends as Maildir stores them.
 */
public final class BenchMailbox {

    public static final int SMALL_COUNT = 2000;
    public static final int SMALL_SIZE = 4 * 1024;
    public static final int LARGE_COUNT = 50;
    public static final int LARGE_SIZE = 1024 * 1024;

    /** Above this size a message gets an attachment instead of a longer text. */
    private static final int TEXT_LIMIT = 64 * 1024;
    private static final String[] WORDS = {
        "the", "invoice", "meeting", "attached", "please", "review", "quarterly", "report", "before",
        "friday", "regards", "project", "schedule", "update", "customer", "delivery", "thanks", "agenda",
        "budget", "draft", "comments", "server", "mailbox", "account", "weekly", "summary", "and", "for"};
    private static final ZonedDateTime FIRST_DATE = ZonedDateTime.of(2025, 3, 4, 8, 0, 0, 0, ZoneOffset.UTC);

    /** What a fill put into the mailbox (file bytes, before Dovecot's CRLF conversion). */
    public record Filled(int messages, long bytes) {
    }

    private BenchMailbox() {
    }

    public static Filled fillSmall(Dovecot dovecot, String user) throws IOException {
        return fill(dovecot, user, SMALL_COUNT, SMALL_SIZE);
    }

    public static Filled fillLarge(Dovecot dovecot, String user) throws IOException {
        return fill(dovecot, user, LARGE_COUNT, LARGE_SIZE);
    }

    /** Delivers {@code count} messages of {@code size} bytes to an existing Dovecot user. */
    public static Filled fill(Dovecot dovecot, String user, int count, int size) throws IOException {
        return fill(dovecot, user, count, size, user + "@example.org");
    }

    /**
     * As {@link #fill(Dovecot, String, int, int)}, with the messages addressed to {@code recipient}:
     * a second mailbox filled with the first one's recipient holds byte for byte the same messages.
     */
    public static Filled fill(Dovecot dovecot, String user, int count, int size, String recipient) throws IOException {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            byte[] message = message(i, size, recipient);
            dovecot.deliver(user, message);
            bytes += message.length;
        }
        return new Filled(count, bytes);
    }

    /** Message number {@code index} of exactly {@code size} bytes (at least about 1 KB). */
    public static byte[] message(int index, int size, String recipient) {
        Random random = new Random(index);
        StringBuilder text = new StringBuilder(size);
        appendHeaders(text, index, size, recipient);
        if (size <= TEXT_LIMIT) {
            text.append("Content-Type: text/plain; charset=us-ascii\n\n");
            appendText(text, random, size);
        } else {
            appendWithAttachment(text, random, index, size);
        }
        if (text.length() != size) {
            throw new IllegalArgumentException("cannot build a message of " + size + " bytes (headers alone take "
                    + text.length() + ")");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void appendHeaders(StringBuilder text, int index, int size, String recipient) {
        String sender = "sender" + (index % 37) + "@example.net";
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(FIRST_DATE.plusMinutes(index));
        text.append("Return-Path: <").append(sender).append(">\n")
            .append("Received: from mx").append(index % 5).append(".example.net (mx.example.net [192.0.2.10])\n")
            .append("\tby pop.example.org with ESMTPS id B").append(Integer.toHexString(index)).append('\n')
            .append("\tfor <").append(recipient).append(">; ").append(date).append('\n')
            .append("From: Sender ").append(index % 37).append(" <").append(sender).append(">\n")
            .append("To: <").append(recipient).append(">\n")
            .append("Subject: Benchmark message ").append(index).append('\n')
            .append("Date: ").append(date).append('\n')
            .append("Message-ID: <bench.").append(index).append('.').append(size)
            .append("@example.net>\n")
            .append("MIME-Version: 1.0\n");
    }

    /** Wrapped prose up to {@code end} characters in total, ending with a line break. */
    private static void appendText(StringBuilder text, Random random, int end) {
        StringBuilder line = new StringBuilder(80);
        while (text.length() < end) {
            line.setLength(0);
            while (line.length() < 68) {
                line.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            int room = end - text.length() - 1;
            text.append(line, 0, Math.min(line.length() - 1, Math.max(room, 0))).append('\n');
        }
    }

    private static void appendWithAttachment(StringBuilder text, Random random, int index, int size) {
        String boundary = "=_bench_" + index;
        // the last base64 line break doubles as the one that belongs to the closing delimiter
        String closing = "--" + boundary + "--\n";
        text.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\n\n")
            .append("--").append(boundary).append('\n')
            .append("Content-Type: text/plain; charset=us-ascii\n\n");
        appendText(text, random, text.length() + 600);
        text.append("--").append(boundary).append('\n')
            .append("Content-Type: application/pdf; name=\"report-").append(index).append(".pdf\"\n")
            .append("Content-Disposition: attachment; filename=\"report-").append(index).append(".pdf\"\n")
            .append("Content-Transfer-Encoding: base64\n\n");
        appendBase64(text, random, size - closing.length());
        text.append(closing);
    }

    /** Base64 lines of 76 characters up to {@code end}; a short last line keeps the encoding valid. */
    private static void appendBase64(StringBuilder text, Random random, int end) {
        byte[] chunk = new byte[57];
        while (text.length() < end) {
            random.nextBytes(chunk);
            String line = Base64.getEncoder().encodeToString(chunk);
            int room = end - text.length() - 1;
            // whole groups of four characters only; up to three bytes left over become empty lines
            text.append(line, 0, Math.min(line.length(), room / 4 * 4)).append('\n');
        }
    }
}
