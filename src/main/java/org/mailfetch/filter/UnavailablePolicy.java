package org.mailfetch.filter;

import java.util.Locale;

import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.config.Settings;

/**
 * What happens to a message when a scanner the account asks for is down or times out
 * ({@value #KEY}): {@code defer} (default) leaves it on the external server for the next session,
 * {@code accept} delivers it with {@code X-Mailfetch-Scan: skipped}, {@code quarantine} holds it.
 */
public enum UnavailablePolicy {
    DEFER, ACCEPT, QUARANTINE;

    public static final String KEY = "mailfetch.scanner-unavailable";

    public static UnavailablePolicy from(Settings settings) {
        String v = settings.optional(KEY).orElse("defer");
        try {
            return valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("configuration key " + KEY + " must be defer, accept or quarantine, got '"
                    + v + "'");
        }
    }

    /**
     * Applies the policy to a message a scanner could not look at. {@code scanner} names it for the
     * header and the account status, e.g. "spamd at 127.0.0.1:783".
     */
    public void apply(org.mailfetch.mail.FetchedMessage message, String scanner, String why) {
        switch (this) {
            case DEFER -> message.defer(scanner + " unavailable (" + why + ")");
            case ACCEPT -> message.addTopHeader(TraceHeaders.SCAN, "skipped (" + scanner + " unavailable)");
            case QUARANTINE -> message.quarantine("unscanned", scanner + " unavailable (" + why + ")");
        }
    }
}
