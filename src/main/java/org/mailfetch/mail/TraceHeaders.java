package org.mailfetch.mail;

import java.io.UnsupportedEncodingException;

import jakarta.mail.internet.MimeUtility;

/**
 * The headers mailfetch adds at the top of a message it delivers, routes or quarantines — nothing
 * else in a message is ever rewritten. Every step that adds one takes its name from here, so the
 * names a mail store or a filter rule matches on live in one place.
 */
public final class TraceHeaders {

    /** Which external account fetched the message (like hMailServer's X-hMailServer-ExternalAccount). */
    public static final String ACCOUNT = "X-Mailfetch-Account";
    /** On routed mail: which account sent it to which route, so a loop back to a fetched mailbox is seen. */
    public static final String ROUTED = "X-Mailfetch-Routed";
    /** The recipients the splitter found, on a copy delivered to the owner instead. */
    public static final String RECIPIENTS = "X-Mailfetch-Recipients";
    /** Says a scan did not happen: {@code skipped (size)} or {@code skipped (<scanner> unavailable)}. */
    public static final String SCAN = "X-Mailfetch-Scan";
    public static final String SKIPPED_SIZE = "skipped (size)";
    public static final String SPAM_FLAG = "X-Spam-Flag";
    public static final String SPAM_SCORE = "X-Spam-Score";
    public static final String SPAM_STATUS = "X-Spam-Status";

    private static final java.util.regex.Pattern LINE_BREAKS = java.util.regex.Pattern.compile("[\\r\\n\\t]+");

    /** An account name and its line: every message of a session gets the same one. */
    private record AccountLine(String name, String line) {
    }

    /** The last account line made; sessions of other accounts on other threads just replace it. */
    private static volatile AccountLine lastAccountLine;

    private TraceHeaders() {
    }

    /**
     * The account line; the name is the administrator's, so it is encoded and folded to be header-safe.
     * Encoding it anew for every message was a fiftieth of a 4 KB message's time in the session.
     */
    public static String account(FetchedMessage message) {
        String raw = message.account().name();
        AccountLine last = lastAccountLine;
        if (last != null && last.name().equals(raw)) {
            return last.line();
        }
        String line = accountLine(raw);
        lastAccountLine = new AccountLine(raw, line);
        return line;
    }

    private static String accountLine(String raw) {
        String name = LINE_BREAKS.matcher(raw).replaceAll(" ").strip();
        try {
            name = MimeUtility.fold((ACCOUNT + ": ").length(), MimeUtility.encodeText(name, "UTF-8", "Q"));
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
        return ACCOUNT + ": " + name.replace("\r\n", "\n") + "\n";
    }

    /** The routed line for a message this account sends to {@code domain}'s SMTP route. */
    public static String routed(long accountId, String domain) {
        return ROUTED + ": account=" + accountId + "; route=" + domain + "\n";
    }
}
