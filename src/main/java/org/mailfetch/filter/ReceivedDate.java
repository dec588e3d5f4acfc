package org.mailfetch.filter;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the delivery date from a {@code Received:} header (RFC 5322 section 3.6.7), for the
 * per-account option "Retrieve date from Received headers".
 *
 * <p>The date is the text after the last {@code ;} of the header value. Real servers write it in
 * many shapes, so the parser is lenient: optional weekday, full or abbreviated names in any case,
 * 2- or 4-digit years, missing seconds, fractional seconds, named, military, numeric or missing
 * zones, comments, folding, ISO-8601-like and asctime-like forms. It is a small hand-written
 * scanner rather than a regex so that hostile input cannot cause catastrophic backtracking; every
 * loop only moves forward over at most {@link #MAX_DATE_CHARS} characters.
 *
 * <p>Results outside a sane window (before 1980, or more than a day after {@code now}) are
 * dropped: such dates come from broken clocks and would misfile mail.
 */
public final class ReceivedDate {

    /** Only this many characters after the last ';' are looked at; real dates need ~40. */
    static final int MAX_DATE_CHARS = 512;

    static final Instant EARLIEST = Instant.parse("1980-01-01T00:00:00Z");
    static final Duration MAX_FUTURE_SKEW = Duration.ofDays(1);

    private static final String[] MONTHS = {"january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december"};
    private static final String[] WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday"};

    private ReceivedDate() {
    }

    /**
     * Date of the topmost {@code Received:} header, i.e. when the last server (ours) received the
     * message. Older hops are deliberately not consulted: their dates describe earlier transit.
     *
     * @param receivedValues values of all {@code Received:} headers, topmost first (as returned
     *                       by {@code Part.getHeader("Received")}); may be null or empty
     * @param now            the current time, defines the upper end of the sane window
     */
    public static Optional<Instant> fromTopmost(List<String> receivedValues, Instant now) {
        Objects.requireNonNull(now, "now");
        if (receivedValues == null || receivedValues.isEmpty()) {
            return Optional.empty();
        }
        return parse(receivedValues.get(0), now);
    }

    /**
     * Parses the date after the last {@code ;} of one {@code Received:} header value (folded or
     * not). Never throws for any header value; returns empty when there is no date, it cannot be
     * parsed, or it lies outside [1980-01-01T00:00Z, now + 1 day].
     */
    public static Optional<Instant> parse(String receivedHeaderValue, Instant now) {
        Objects.requireNonNull(now, "now");
        if (receivedHeaderValue == null) {
            return Optional.empty();
        }
        int semicolon = receivedHeaderValue.lastIndexOf(';');
        if (semicolon < 0) {
            return Optional.empty();
        }
        int end = Math.min(receivedHeaderValue.length(), semicolon + 1 + MAX_DATE_CHARS);
        String dateText = stripComments(receivedHeaderValue.substring(semicolon + 1, end));
        Instant instant;
        try {
            instant = new Scanner(dateText).parse();
        } catch (DateTimeException e) {
            // Fields were each in range but do not form a date (31 Feb) or the offset exceeds 18h.
            return Optional.empty();
        }
        if (instant == null
                || instant.isBefore(EARLIEST)
                || Duration.between(now, instant).compareTo(MAX_FUTURE_SKEW) > 0) {
            return Optional.empty();
        }
        return Optional.of(instant);
    }

    /**
     * Replaces (possibly nested) comments such as "(CET)" by a space. An unclosed comment runs to
     * the end, as in RFC 5322; a stray ')' is kept and later ignored as junk.
     */
    static String stripComments(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (depth > 0 && c == ')') {
                depth--;
                if (depth == 0) {
                    out.append(' ');
                }
            } else if (depth > 0 && c == '\\') {
                i++; // quoted-pair: "\)" does not close the comment
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Forward-only scanner over the comment-free date text; returns null when unparsable. */
    private static final class Scanner {
        private final String s;
        private int pos;
        private int digitCount; // length of the last number read

        private int year;
        private int month;
        private int day;
        private int hour;
        private int minute;
        private int second;
        private int nano;
        private int offsetSeconds;

        Scanner(String s) {
            this.s = s;
        }

        Instant parse() {
            // Leading folding whitespace and any punctuation before the date are noise.
            while (pos < s.length() && !isAsciiLetter(peek()) && !isDigit(peek())) {
                pos++;
            }
            if (isAsciiLetter(peek())) {
                String word = readWord();
                if (nameIndex(word, WEEKDAYS) >= 0) {
                    skipSeparators();
                    if (isAsciiLetter(peek())) {
                        word = readWord();
                    } else {
                        word = null;
                    }
                }
                if (word != null) {
                    // "Tue Mar  5 10:11:12 2024": month before day, as in C asctime().
                    month = nameIndex(word, MONTHS) + 1;
                    return month > 0 && asctimeRest() ? build() : null;
                }
            }
            if (!isDigit(peek())) {
                return null;
            }
            int first = readNumber();
            boolean ok = digitCount == 4 && isIsoDateSeparator(peek())
                    ? isoRest(first) : rfcRest(first);
            return ok ? build() : null;
        }

        /** After the day: "Mar 2024 10:11:12 +0000", separators may be spaces, '-', '/', '.'. */
        private boolean rfcRest(int dayNumber) {
            if (digitCount > 2) {
                return false;
            }
            day = dayNumber;
            skipSeparators();
            month = nameIndex(readWord(), MONTHS) + 1;
            if (month == 0) {
                return false;
            }
            skipSeparators();
            if (!readYear()) {
                return false;
            }
            skipSeparators();
            return readTime() && readZone();
        }

        /** After the year of "2024-03-05 10:11:12 +0000" or "2024-03-05T10:11:12Z". */
        private boolean isoRest(int yearNumber) {
            year = yearNumber;
            char separator = peek();
            pos++;
            month = readNumber();
            if (digitCount == 0 || digitCount > 2 || peek() != separator) {
                return false;
            }
            pos++;
            day = readNumber();
            if (digitCount == 0 || digitCount > 2) {
                return false;
            }
            if (peek() == 'T' || peek() == 't') {
                pos++;
            }
            skipSpaces();
            return readTime() && readZone();
        }

        /** After the month of "Mar  5 10:11:12 [zone] 2024" or "Mar 5 2024 10:11:12 [zone]". */
        private boolean asctimeRest() {
            skipSeparators();
            day = readNumber();
            if (digitCount == 0 || digitCount > 2) {
                return false;
            }
            skipSeparators();
            if (numberIsFollowedByColon()) {
                if (!readTime()) {
                    return false;
                }
                skipSpaces();
                if (isDigit(peek())) {
                    return readYear() && readZone();
                }
                if (!readZone()) {
                    return false;
                }
                skipSpaces();
                return readYear();
            }
            if (!readYear()) {
                return false;
            }
            skipSeparators();
            return readTime() && readZone();
        }

        /** RFC 5322 4.3: 2-digit years 00-49 are 20xx, 50-99 are 19xx; 3-digit years add 1900. */
        private boolean readYear() {
            int y = readNumber();
            switch (digitCount) {
                case 2 -> year = y < 50 ? 2000 + y : 1900 + y;
                case 3 -> year = 1900 + y;
                case 4 -> year = y;
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** "H:MM", "HH:MM:SS", "HH:MM:SS.fffffff"; seconds and fraction are optional. */
        private boolean readTime() {
            hour = readNumber();
            if (digitCount == 0 || digitCount > 2 || hour > 23 || peek() != ':') {
                return false;
            }
            pos++;
            minute = readNumber();
            if (digitCount == 0 || digitCount > 2 || minute > 59) {
                return false;
            }
            if (peek() == ':' && isDigit(peekAt(pos + 1))) {
                pos++;
                second = readNumber();
                if (digitCount > 2 || second > 60) {
                    return false;
                }
                // A leap second cannot be represented by Instant; one second early is close enough.
                second = Math.min(second, 59);
                if ((peek() == '.' || peek() == ',') && isDigit(peekAt(pos + 1))) {
                    pos++;
                    nano = readFraction();
                }
            }
            return true;
        }

        /** Numeric, named or military zone; a missing or unknown zone means UTC. */
        private boolean readZone() {
            skipSpaces();
            char c = peek();
            if ((c == '+' || c == '-') && isDigit(peekAt(pos + 1))) {
                return readNumericOffset();
            }
            if (!isAsciiLetter(c)) {
                return true; // no zone: assume UTC, as the brief for this option requires
            }
            String zone = readWord().toUpperCase(Locale.ROOT);
            c = peek();
            if ((zone.equals("GMT") || zone.equals("UTC") || zone.equals("UT"))
                    && (c == '+' || c == '-') && isDigit(peekAt(pos + 1))) {
                return readNumericOffset(); // "GMT+0100"
            }
            offsetSeconds = 3600 * switch (zone) {
                case "EDT" -> -4;
                case "EST", "CDT" -> -5;
                case "CST", "MDT" -> -6;
                case "MST", "PDT" -> -7;
                case "PST" -> -8;
                // UT, GMT, UTC, Z, military letters (their signs were historically reversed, so
                // RFC 5322 4.3 says to treat them as -0000) and unknown names (same rule).
                default -> 0;
            };
            return true;
        }

        /** "+0100", "-0530", "+01", "-05:30", "+1". */
        private boolean readNumericOffset() {
            int sign = peek() == '-' ? -1 : 1;
            pos++;
            int n = readNumber();
            int hours;
            int minutes = 0;
            if (digitCount == 3 || digitCount == 4) {
                hours = n / 100;
                minutes = n % 100;
            } else if (digitCount <= 2) {
                hours = n;
                if (peek() == ':' && isDigit(peekAt(pos + 1))) {
                    pos++;
                    minutes = readNumber();
                    if (digitCount > 2) {
                        return false;
                    }
                }
            } else {
                return false;
            }
            if (hours > 18 || minutes > 59) {
                return false;
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60);
            return true;
        }

        private Instant build() {
            return LocalDateTime.of(year, month, day, hour, minute, second, nano)
                    .toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
        }

        // ---- low-level helpers: each only moves pos forward ----

        private char peek() {
            return peekAt(pos);
        }

        private char peekAt(int i) {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        /** ASCII digits only: Character.isDigit would accept e.g. Arabic-Indic digits. */
        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean isAsciiLetter(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        }

        private static boolean isSpace(char c) {
            return Character.isWhitespace(c) || Character.isSpaceChar(c);
        }

        private static boolean isIsoDateSeparator(char c) {
            return c == '-' || c == '/' || c == '.';
        }

        private void skipSpaces() {
            while (pos < s.length() && (isSpace(peek()) || peek() == ',')) {
                pos++;
            }
        }

        /** Between date fields: spaces and the ",", ".", "/", "-" some servers put there. */
        private void skipSeparators() {
            while (pos < s.length() && (isSpace(peek()) || ",./-".indexOf(peek()) >= 0)) {
                pos++;
            }
        }

        private String readWord() {
            int start = pos;
            while (isAsciiLetter(peek())) {
                pos++;
            }
            return s.substring(start, pos);
        }

        /**
         * Reads a run of digits; sets digitCount to its length. Runs longer than 9 digits are
         * consumed but yield -1 (never a valid field), so a huge digit run cannot overflow.
         */
        private int readNumber() {
            int start = pos;
            int value = 0;
            while (isDigit(peek())) {
                if (pos - start < 9) {
                    value = value * 10 + (peek() - '0');
                }
                pos++;
            }
            digitCount = pos - start;
            return digitCount > 9 ? -1 : value;
        }

        /** Fractional seconds to nanoseconds; digits beyond the ninth are consumed and dropped. */
        private int readFraction() {
            int value = 0;
            int digits = 0;
            while (isDigit(peek())) {
                if (digits < 9) {
                    value = value * 10 + (peek() - '0');
                    digits++;
                }
                pos++;
            }
            for (; digits < 9; digits++) {
                value *= 10;
            }
            return value;
        }

        private boolean numberIsFollowedByColon() {
            int i = pos;
            while (isDigit(peekAt(i))) {
                i++;
            }
            return i > pos && peekAt(i) == ':';
        }

        /** Index of the name that equals or starts with word ("Tue", "Tues", "Sept"), or -1. */
        private static int nameIndex(String word, String[] names) {
            if (word.length() < 3) {
                return -1;
            }
            String lower = word.toLowerCase(Locale.ROOT);
            for (int i = 0; i < names.length; i++) {
                if (names[i].startsWith(lower)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
