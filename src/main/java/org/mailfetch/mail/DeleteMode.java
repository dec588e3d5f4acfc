package org.mailfetch.mail;

import java.time.Duration;
import java.time.Instant;

/** When a downloaded message is deleted on the external server: never, immediately, or N days after first download. */
public record DeleteMode(Kind kind, int days) {

    public enum Kind { NEVER, IMMEDIATELY, AFTER_DAYS }

    public static final DeleteMode NEVER = new DeleteMode(Kind.NEVER, 0);
    public static final DeleteMode IMMEDIATELY = new DeleteMode(Kind.IMMEDIATELY, 0);

    public DeleteMode {
        if (kind == Kind.AFTER_DAYS && days < 1) {
            throw new IllegalArgumentException("after-days needs a number of days of at least 1");
        }
    }

    /** Parses never | immediately | after-days:N. */
    public static DeleteMode parse(String text) {
        String t = text.trim().toLowerCase();
        if (t.equals("never")) {
            return NEVER;
        }
        if (t.equals("immediately")) {
            return IMMEDIATELY;
        }
        if (t.startsWith("after-days:")) {
            try {
                return new DeleteMode(Kind.AFTER_DAYS, Integer.parseInt(t.substring("after-days:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("after-days:N needs a whole number, got '" + text + "'");
            }
        }
        throw new IllegalArgumentException("unknown delete mode '" + text + "' (never, immediately, after-days:N)");
    }

    /** Whether a message first downloaded at {@code firstDownloaded} is due for DELE at {@code now}. */
    public boolean isDue(Instant firstDownloaded, Instant now) {
        return switch (kind) {
            case NEVER -> false;
            case IMMEDIATELY -> true;
            case AFTER_DAYS -> !firstDownloaded.plus(Duration.ofDays(days)).isAfter(now);
        };
    }

    @Override
    public String toString() {
        return kind == Kind.AFTER_DAYS ? "after-days:" + days : kind.name().toLowerCase();
    }
}
