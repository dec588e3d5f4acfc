package org.mailfetch.fetch;

import java.time.Instant;

/** What an administrator sees of an account's fetching: the last session and what comes next. */
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
        Instant nextRun) {

    public static AccountStatus never(long accountId) {
        return new AccountStatus(accountId, false, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0, null, null);
    }
}
