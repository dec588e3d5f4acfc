package org.mailfetch.filter;

import java.time.Duration;
import java.util.Locale;

import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.config.Settings;
import org.mailfetch.mail.Folders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.StepGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-spam, for accounts with the option on: spamd scores the message. At or above the mark score
 * it gets {@code X-Spam-Flag: YES} and goes to the mailbox's {@code .Junk} folder; at or above the
 * delete score it is quarantined. Every scanned message carries X-Spam-Score and X-Spam-Status at
 * the top; nothing else of it is changed. Mail larger than the max scan size is not scanned and
 * says so ({@code X-Mailfetch-Scan: skipped (size)}).
 */
public final class SpamCheck implements Processor {

    public static final String HOST = "mailfetch.antispam.host";
    public static final String PORT = "mailfetch.antispam.port";
    public static final String TIMEOUT = "mailfetch.antispam.timeout";
    public static final String MAX_SCAN_SIZE = "mailfetch.antispam.max-scan-size";
    public static final String MARK_SCORE = "mailfetch.antispam.mark-score";
    public static final String DELETE_SCORE = "mailfetch.antispam.delete-score";

    /** Keeps X-Spam-Status within the 998-character line limit. */
    private static final int MAX_STATUS = 900;
    private static final Logger LOG = LoggerFactory.getLogger(SpamCheck.class);

    private final SpamdClient spamd;
    private final long maxScanSize;
    private final double markScore;
    private final double deleteScore;
    private final UnavailablePolicy policy;

    public SpamCheck(SpamdClient spamd, long maxScanSize, double markScore, double deleteScore, UnavailablePolicy policy) {
        if (deleteScore < markScore) {
            throw new IllegalArgumentException("configuration key " + DELETE_SCORE + " (" + deleteScore
                    + ") must not be below " + MARK_SCORE + " (" + markScore + ")");
        }
        this.spamd = spamd;
        this.maxScanSize = maxScanSize;
        this.markScore = markScore;
        this.deleteScore = deleteScore;
        this.policy = policy;
    }

    public static SpamCheck from(Settings s) {
        Duration timeout = s.duration(TIMEOUT);
        return new SpamCheck(new SpamdClient(s.string(HOST), s.integer(PORT), timeout), s.bytes(MAX_SCAN_SIZE),
                score(s, MARK_SCORE), score(s, DELETE_SCORE), UnavailablePolicy.from(s));
    }

    private static double score(Settings s, String key) {
        try {
            return Double.parseDouble(s.string(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key " + key + " must be a number like 5.0, got '"
                    + s.string(key) + "'");
        }
    }

    /** For a message still pending of an account with "Use anti-spam" (the route file's filter says so). */
    /** The step as the route calls it: a Processor, so no per-message bean binding by reflection. */
    @Override
    public void process(Exchange exchange) {
        check(exchange.getMessage().getBody(FetchedMessage.class));
    }

    public void check(FetchedMessage message) {
        StepGuard.require(message.account().antispam() && message.isPending(), "spamCheck", "antispam, pending");
        if (message.size() > maxScanSize) {
            message.addTopHeader(TraceHeaders.SCAN, TraceHeaders.SKIPPED_SIZE);
            LOG.info("not scanned for spam: {} bytes, larger than {} ({} bytes)", message.size(), MAX_SCAN_SIZE, maxScanSize);
            return;
        }
        SpamdClient.Verdict v;
        try (java.io.InputStream content = message.content()) {
            v = spamd.check(content, message.size());
        } catch (ScannerUnavailableException e) {
            LOG.warn("not scanned for spam: {}; {} is {}", e.getMessage(), UnavailablePolicy.KEY, policy.name().toLowerCase(Locale.ROOT));
            policy.apply(message, spamd.describe(), e.getMessage());
            return;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read spooled " + message + ": " + e.getMessage(), e);
        }
        boolean spam = v.score() >= markScore;
        String score = String.format(Locale.ROOT, "%.1f", v.score());
        message.addTopHeader(TraceHeaders.SPAM_FLAG, spam ? "YES" : "NO");
        message.addTopHeader(TraceHeaders.SPAM_SCORE, score);
        message.addTopHeader(TraceHeaders.SPAM_STATUS, status(spam, score, v));
        if (v.score() >= deleteScore) {
            message.quarantine("spam", String.format(Locale.ROOT, "spam score %s (delete score %.1f)", score, deleteScore));
        } else if (spam) {
            message.folder(Folders.JUNK);
        }
        LOG.debug("spam score {}", score);
    }

    private String status(boolean spam, String score, SpamdClient.Verdict v) {
        String s = String.format(Locale.ROOT, "%s, score=%s required=%.1f tests=%s", spam ? "Yes" : "No", score, markScore,
                String.join(",", v.rules()));
        return s.length() <= MAX_STATUS ? s : s.substring(0, s.lastIndexOf(',', MAX_STATUS)) + ",...";
    }
}
