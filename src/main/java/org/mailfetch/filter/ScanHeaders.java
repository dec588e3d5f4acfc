package org.mailfetch.filter;

/** Names of the headers the content filters add at the top of a delivered message. */
public final class ScanHeaders {

    /** Says a scan did not happen: {@code skipped (size)} or {@code skipped (<scanner> unavailable)}. */
    public static final String SCAN = "X-Mailfetch-Scan";
    public static final String SKIPPED_SIZE = "skipped (size)";
    public static final String SPAM_FLAG = "X-Spam-Flag";
    public static final String SPAM_SCORE = "X-Spam-Score";
    public static final String SPAM_STATUS = "X-Spam-Status";

    private ScanHeaders() {
    }
}
