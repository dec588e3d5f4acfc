package org.mailfetch.fetch;

import java.time.Instant;

/**
 * What an administrator sees of an account's fetching: the last session and what comes next; for
 * an IMAP account with IDLE, whether its IDLE connections are live ({@code idleLive}: every folder
 * watched) and, when not, why ({@code idleNote}: e.g. the server lacks IDLE and the account is
 * polled, or a reconnect is due); with several nodes, {@code lastNode}: the node
 * (mailfetch.node.name) that ran the last session (null before the first one).
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
        boolean idleLive,
        String idleNote,
        String lastNode) {

    /** Without IDLE information (accounts that are not pushed). */
    public AccountStatus(long accountId, boolean running, Instant lastStart, Instant lastEnd, String lastResult,
                         String lastError, int downloaded, int delivered, int deleted, int failed, long bytes,
                         long totalDownloaded, long totalBytes, int loginFailures, Instant backoffUntil,
                         Instant nextRun) {
        this(accountId, running, lastStart, lastEnd, lastResult, lastError, downloaded, delivered, deleted, failed,
                bytes, totalDownloaded, totalBytes, loginFailures, backoffUntil, nextRun, false, null, null);
    }

    /** With IDLE's state but no note (the shape the admin surfaces were written against). */
    public AccountStatus(long accountId, boolean running, Instant lastStart, Instant lastEnd, String lastResult,
                         String lastError, int downloaded, int delivered, int deleted, int failed, long bytes,
                         long totalDownloaded, long totalBytes, int loginFailures, Instant backoffUntil,
                         Instant nextRun, boolean idleLive) {
        this(accountId, running, lastStart, lastEnd, lastResult, lastError, downloaded, delivered, deleted, failed,
                bytes, totalDownloaded, totalBytes, loginFailures, backoffUntil, nextRun, idleLive, null, null);
    }

    /** This status with {@code idleLive} as given. */
    public AccountStatus withIdleLive(boolean live) {
        return new AccountStatus(accountId, running, lastStart, lastEnd, lastResult, lastError, downloaded, delivered,
                deleted, failed, bytes, totalDownloaded, totalBytes, loginFailures, backoffUntil, nextRun, live, idleNote,
                lastNode);
    }

    public static AccountStatus never(long accountId) {
        return new AccountStatus(accountId, false, null, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0, null, null);
    }
}
