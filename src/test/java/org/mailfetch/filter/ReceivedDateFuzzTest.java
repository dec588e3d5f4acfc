package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.mailfetch.testsupport.Fuzzing;

/**
 * Mutation fuzzing of {@link ReceivedDate#parse}: mutated real-world headers and random strings
 * must never make it throw, hang, or return a date outside the sane window.
 *
 * <p>{@link #fuzzReceivedDate} is the coverage-guided (Jazzer) target with the same properties; its
 * regression inputs live under {@code ReceivedDateFuzzTestInputs/fuzzReceivedDate/}.
 *
 * <p>One run uses a fixed seed (reproducible in CI), one a fresh seed that every failure message
 * prints; reproduce with {@code mvn test -Dtest=ReceivedDateFuzzTest -Dfuzz.seed=<seed>}.
 */
class ReceivedDateFuzzTest {

    private static final long FIXED_SEED = 0x5EED_2024_0305L;
    private static final int ITERATIONS = 200_000;
    private static final Duration BUDGET = Duration.ofSeconds(20);
    private static final Instant NOW = ReceivedDateTest.NOW;
    private static final Instant LATEST = NOW.plus(ReceivedDate.MAX_FUTURE_SKEW);

    private static final String DATEISH = "0123456789 :;+-.,/()TZ\t\r\nMarJanTueGMT";

    /** Fragments that steer mutations into the parser's deeper branches. */
    private static final String[] DICTIONARY = {";", "(", ")", "\\", ":", "+", "-", ".", "/", ",",
        "\r\n\t", " ", "T", "Z", "GMT+", "UTC", "EST", "pdt", "Tue", "Thursday", "Mar", "sept",
        "2024", "24", "99", "1980", "1970", "9999", "29 Feb", "23:59:60", ".123456789012",
        "+0100", "-05:30", "+18", "+1859", "((((", "))))", "2024-03-05T", "Mar  5 10:11:12 "};

    @Test
    void parseShouldNeverThrowHangOrLeaveTheWindowForAFixedSeed() {
        fuzz(FIXED_SEED);
    }

    @Test
    void parseShouldNeverThrowHangOrLeaveTheWindowForARandomSeed() {
        Long given = Long.getLong("fuzz.seed");
        fuzz(given != null ? given : new SecureRandom().nextLong());
    }

    @FuzzTest(maxDuration = Fuzzing.VERIFY_BUDGET)
    void fuzzReceivedDate(byte[] data) {
        String value = new String(data, StandardCharsets.UTF_8);
        for (Optional<Instant> result : List.of(ReceivedDate.parse(value, NOW),
                ReceivedDate.fromTopmost(List.of(value, "by b; 5 Mar 2024 10:11 +0000"), NOW))) {
            result.ifPresent(instant -> {
                if (instant.isBefore(ReceivedDate.EARLIEST) || instant.isAfter(LATEST)) {
                    throw new AssertionError("returned " + instant + " outside the sane window");
                }
            });
        }
    }

    private static void fuzz(long seed) {
        long start = System.nanoTime();
        int[] accepted = {0};
        assertTimeoutPreemptively(BUDGET, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < ITERATIONS; i++) {
                String input = nextInput(random);
                Optional<Instant> result;
                try {
                    result = random.nextInt(10) == 0
                        ? ReceivedDate.fromTopmost(List.of(input, "by b; 5 Mar 2024 10:11 +0000"), NOW)
                        : ReceivedDate.parse(input, NOW);
                } catch (Throwable t) {
                    throw new AssertionError(failure(seed, i, input, "threw " + t), t);
                }
                if (result.isPresent()) {
                    Instant instant = result.get();
                    if (instant.isBefore(ReceivedDate.EARLIEST) || instant.isAfter(LATEST)) {
                        throw new AssertionError(failure(seed, i, input, "returned " + instant));
                    }
                    accepted[0]++;
                }
            }
        }, () -> "fuzz run exceeded " + BUDGET + "; seed=" + seed);
        System.out.printf("fuzz seed=%d: %d inputs, %d parsed, %d ms%n",
            seed, ITERATIONS, accepted[0], (System.nanoTime() - start) / 1_000_000);
    }

    private static String nextInput(Random random) {
        if (random.nextInt(10) == 0) {
            return randomString(random, random.nextInt(120));
        }
        List<ReceivedDateTest.Sample> samples = ReceivedDateTest.SAMPLES;
        StringBuilder s = new StringBuilder(samples.get(random.nextInt(samples.size())).header());
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            mutate(s, random);
        }
        return s.toString();
    }

    private static void mutate(StringBuilder s, Random random) {
        int at = position(s, random);
        switch (random.nextInt(9)) {
            case 0 -> { // bit flip in the low byte, occasionally anywhere in the UTF-16 unit
                if (s.length() > 0) {
                    int bit = random.nextInt(8) == 0 ? random.nextInt(16) : random.nextInt(8);
                    int i = Math.min(at, s.length() - 1);
                    s.setCharAt(i, (char) (s.charAt(i) ^ (1 << bit)));
                }
            }
            case 1 -> s.setLength(at); // truncation
            case 2 -> { // duplicate a slice somewhere else
                int from = random.nextInt(s.length() + 1);
                int to = Math.min(s.length(), from + random.nextInt(40));
                s.insert(position(s, random), s.substring(from, to));
            }
            case 3 -> s.insert(at, randomString(random, 1 + random.nextInt(6)));
            case 4 -> s.insert(at, "9".repeat(random.nextInt(50) == 0 ? 100_000 : 1 + random.nextInt(40)));
            case 5 -> s.insert(at, DICTIONARY[random.nextInt(DICTIONARY.length)]);
            case 6 -> s.delete(at, Math.min(s.length(), at + 1 + random.nextInt(8)));
            case 7 -> s.insert(at, (random.nextBoolean() ? "(" : ";").repeat(1 + random.nextInt(5_000)));
            default -> s.insert(at, " \t\r\n".charAt(random.nextInt(4)));
        }
    }

    /** Half the time inside the date after the last ';', where mutations matter most. */
    private static int position(StringBuilder s, Random random) {
        int semicolon = s.lastIndexOf(";");
        if (semicolon >= 0 && random.nextBoolean()) {
            return semicolon + 1 + random.nextInt(s.length() - semicolon);
        }
        return random.nextInt(s.length() + 1);
    }

    /** Mix of date-ish ASCII, controls, non-ASCII digits, lone surrogates and astral code points. */
    private static String randomString(Random random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(6)) {
                case 0, 1 -> s.append(DATEISH.charAt(random.nextInt(DATEISH.length())));
                case 2 -> s.append((char) random.nextInt(0x80));
                case 3 -> s.append((char) (0xD800 + random.nextInt(0x800))); // lone surrogate
                case 4 -> s.append("\u0660\uFF15\u00A0\u2028\u200B\u0301\uFEFF".charAt(random.nextInt(7)));
                default -> s.appendCodePoint(random.nextInt(Character.MAX_CODE_POINT + 1));
            }
        }
        return s.toString();
    }

    private static String failure(long seed, int iteration, String input, String what) {
        StringBuilder shown = new StringBuilder();
        input.chars().limit(400).forEach(c -> shown.append(c >= 0x20 && c < 0x7F
            ? String.valueOf((char) c) : String.format("\\u%04x", c)));
        return String.format("parse %s; seed=%d iteration=%d length=%d input=\"%s\"",
            what, seed, iteration, input.length(), shown);
    }
}
