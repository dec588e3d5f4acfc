package org.mailfetch.fetch;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

import org.mailfetch.config.Settings;
import org.mailfetch.delivery.FilePermissions;

/**
 * What every session of this process shares: settings (mailfetch.fetch.*), the clock, the fsync and commit
 * threads, and the Maildir tree (mailfetch.maildir.root).
 */
public record FetchContext(
        Path dataDir,
        Clock clock,
        ExecutorService fsyncPool,
        ExecutorService commitPool,
        FilePermissions permissions,
        int batchSize,
        Duration connectTimeout,
        Duration readTimeout,
        long minFreeDisk,
        int loginFailuresBeforeBackoff,
        Duration backoffCap,
        Duration lease,
        int maxConcurrentSessions,
        int progressEvery,
        long maxMessageSize,
        int maxListing,
        Duration sessionDeadline,
        Duration sessionDeadlinePerMib,
        int messageFailuresBeforeSkip,
        Path maildirRoot,
        Path spoolRoot) {

    /** Messages larger than this (by LIST or by what streams) stay on the server and are reported. */
    public static final String MAX_MESSAGE_SIZE = "mailfetch.fetch.max-message-size";
    /** A server announcing more messages than this (STAT) is refused: the listing is held in memory. */
    public static final String MAX_LISTING = "mailfetch.fetch.max-listing";
    /** A session ends cleanly (commit, DELE what is due, QUIT) after this long, plus the per-MiB allowance. */
    public static final String SESSION_DEADLINE = "mailfetch.fetch.session-deadline";
    /** Extra session time per MiB of new mail (by LIST size), so that a big mailbox over a slow link finishes. */
    public static final String SESSION_DEADLINE_PER_MIB = "mailfetch.fetch.session-deadline-per-mib";
    /** A message whose retrieval failed in this many sessions in a row is skipped (reported, left on the server). */
    public static final String MESSAGE_FAILURES_BEFORE_SKIP = "mailfetch.fetch.message-failures-before-skip";

    public static FetchContext from(Settings s, Clock clock, ExecutorService fsyncPool, ExecutorService commitPool) {
        return new FetchContext(s.dataDir(), clock, fsyncPool, commitPool, FilePermissions.from(s),
                positive(s, "mailfetch.fetch.batch-size"),
                s.duration("mailfetch.fetch.connect-timeout"), s.duration("mailfetch.fetch.read-timeout"),
                s.bytes("mailfetch.fetch.min-free-disk"),
                positive(s, "mailfetch.fetch.login-failures-before-backoff"),
                s.duration("mailfetch.fetch.backoff-cap"), s.duration("mailfetch.fetch.lease"),
                positive(s, "mailfetch.fetch.max-concurrent-sessions"),
                positive(s, "mailfetch.fetch.progress-every"),
                positiveBytes(s, MAX_MESSAGE_SIZE), positive(s, MAX_LISTING),
                s.duration(SESSION_DEADLINE), s.duration(SESSION_DEADLINE_PER_MIB),
                positive(s, MESSAGE_FAILURES_BEFORE_SKIP), s.maildirRoot(), s.spoolRoot());
    }

    private static long positiveBytes(Settings s, String key) {
        long v = s.bytes(key);
        if (v < 1) {
            throw new IllegalArgumentException("configuration key " + key + " must be at least 1 byte, got " + v);
        }
        return v;
    }

    private static int positive(Settings s, String key) {
        int v = s.integer(key);
        if (v < 1) {
            throw new IllegalArgumentException("configuration key " + key + " must be at least 1, got " + v);
        }
        return v;
    }
}
