package org.mailfetch.fetch;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The outcome of one fetch session: the line the log and `account fetch` print, and the status row. */
public record SessionSummary(
        long accountId,
        String label,
        Result result,
        String error,
        Instant start,
        Instant end,
        int downloaded,
        int delivered,
        int deferred,
        int quarantined,
        int deleted,
        int failed,
        long bytes,
        /** Copies delivered, by way: maildir, lmtp, smtp (the outbox). A message to three mailboxes is three. */
        Map<String, Integer> copiesByTarget) {

    public enum Result {
        OK("ok"), FAILED("failed"), SKIPPED("skipped"),
        /** The account's OAuth2 grant is gone: nothing is tried until its owner signs in again. */
        NEEDS_AUTHORIZATION("needs-authorization");

        private final String word;

        Result(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public static SessionSummary skipped(long accountId, String label, String reason, Instant at) {
        return new SessionSummary(accountId, label, Result.SKIPPED, reason, at, at, 0, 0, 0, 0, 0, 0, 0, Map.of());
    }

    public String line() {
        String counts = String.format("downloaded %d, delivered %d, deferred %d, quarantined %d, deleted %d, failed %d,"
                        + " %s in %.1f s", downloaded, delivered, deferred, quarantined, deleted, failed, humanBytes(bytes),
                Duration.between(start, end).toMillis() / 1000.0);
        return switch (result) {
            case OK -> label + ": session ok: " + counts + (error == null ? "" : "; " + error);
            case FAILED -> label + ": session failed: " + error + "; " + counts;
            case SKIPPED -> label + ": session skipped: " + error;
            case NEEDS_AUTHORIZATION -> label + ": needs authorization: " + error;
        };
    }

    private static String humanBytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        return String.format("%.1f MiB", n / (1024.0 * 1024));
    }
}
