package org.mailfetch.fetch;

import java.time.Instant;

/**
 * What an administrator sees of an account's fetching: the last session and what comes next; for an
 * IDLE account, whether its IDLE connection is live now ({@code idleLive}, set through
 * {@link StatusBoard#idleLive(long, boolean)}; false for every other account).
 */
public record AccountStatus(
        long accountId,
        boolean running,
        Instant lastStart,
        Instant lastEnd,
        String lastResult,
        String lastError,
        int downloaded,
        int delivered,
        int deleted,
        int failed,
        long bytes,
        long totalDownloaded,
        long totalBytes,
        int loginFailures,
        Instant backoffUntil,
        Instant nextRun,
        boolean idleLive) {

    /** Without IDLE. */
    public AccountStatus(long accountId, boolean running, Instant lastStart, Instant lastEnd, String lastResult,
                         String lastError, int downloaded, int delivered, int deleted, int failed, long bytes,
                         long totalDownloaded, long totalBytes, int loginFailures, Instant backoffUntil, Instant nextRun) {
        this(accountId, running, lastStart, lastEnd, lastResult, lastError, downloaded, delivered, deleted, failed, bytes,
                totalDownloaded, totalBytes, loginFailures, backoffUntil, nextRun, false);
    }

    public static AccountStatus never(long accountId) {
        return new AccountStatus(accountId, false, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0, null, null);
    }

    /** This status with {@code idleLive} as given. */
    public AccountStatus withIdleLive(boolean live) {
        return new AccountStatus(accountId, running, lastStart, lastEnd, lastResult, lastError, downloaded, delivered,
                deleted, failed, bytes, totalDownloaded, totalBytes, loginFailures, backoffUntil, nextRun, live);
    }
}
