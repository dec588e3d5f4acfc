package org.mailfetch.filter;

import java.time.Clock;
import java.util.List;

import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.StepGuard;

/**
 * "Retrieve date from Received headers": the internal date (the Maildir file's mtime) becomes the
 * date in the topmost Received header; without it, or when that date is unusable, the download time.
 */
public final class ReceivedDateStamp {

    private final Clock clock;

    public ReceivedDateStamp(Clock clock) {
        this.clock = clock;
    }

    public void stamp(FetchedMessage message) {
        StepGuard.require(message.account().receivedDate(), "receivedDate", "receivedDate");
        message.internalDate(ReceivedDate.fromTopmost(List.of(message.header("Received")), clock.instant())
                .orElse(message.downloadedAt()));
    }
}
