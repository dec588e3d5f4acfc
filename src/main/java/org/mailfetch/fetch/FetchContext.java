package org.mailfetch.fetch;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

import org.mailfetch.config.Settings;
import org.mailfetch.delivery.FilePermissions;

/** What every session of this process shares: settings (mailfetch.fetch.*), the clock, the fsync and commit threads. */
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
        int progressEvery) {

    public static FetchContext from(Settings s, Clock clock, ExecutorService fsyncPool, ExecutorService commitPool) {
        return new FetchContext(s.dataDir(), clock, fsyncPool, commitPool, FilePermissions.from(s),
                positive(s, "mailfetch.fetch.batch-size"),
                s.duration("mailfetch.fetch.connect-timeout"), s.duration("mailfetch.fetch.read-timeout"),
                s.bytes("mailfetch.fetch.min-free-disk"),
                positive(s, "mailfetch.fetch.login-failures-before-backoff"),
                s.duration("mailfetch.fetch.backoff-cap"), s.duration("mailfetch.fetch.lease"),
                positive(s, "mailfetch.fetch.max-concurrent-sessions"),
                positive(s, "mailfetch.fetch.progress-every"));
    }

    private static int positive(Settings s, String key) {
        int v = s.integer(key);
        if (v < 1) {
            throw new IllegalArgumentException("configuration key " + key + " must be at least 1, got " + v);
        }
        return v;
    }
}
