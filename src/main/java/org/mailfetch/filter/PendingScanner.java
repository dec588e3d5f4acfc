package org.mailfetch.filter;

import java.util.function.Predicate;

import org.mailfetch.account.Account;
import org.mailfetch.fetch.FetchedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The place of a content scanner (anti-spam: spamd, anti-virus: clamd) in the chain until its client
 * exists. It passes mail through, and says so loudly when an account has asked for scanning, so
 * that no administrator believes mail was scanned when it was not.
 */
public final class PendingScanner {

    private static final Logger LOG = LoggerFactory.getLogger(PendingScanner.class);

    private final String option;
    private final Predicate<Account> wanted;

    public PendingScanner(String option, Predicate<Account> wanted) {
        this.option = option;
        this.wanted = wanted;
    }

    public void check(FetchedMessage message) {
        if (wanted.test(message.account())) {
            LOG.warn("{}: {} is on, but this version has no scanner client yet: UIDL {} delivered unscanned",
                    message.account().label(), option, message.uidl());
        }
    }
}
