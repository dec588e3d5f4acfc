package org.mailfetch.filter;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.StepGuard;

/**
 * "Retrieve date from Received headers": the internal date (the Maildir file's mtime) becomes the
 * date in the topmost Received header; without it, or when that date is unusable, the date the
 * server says it received the message (IMAP INTERNALDATE), within the same sane window; else the
 * download time.
 */
public final class ReceivedDateStamp implements Processor {

    private final Clock clock;

    public ReceivedDateStamp(Clock clock) {
        this.clock = clock;
    }

    /** The step as the route calls it: a Processor, so no per-message bean binding by reflection. */
    @Override
    public void process(Exchange exchange) {
        stamp(exchange.getMessage().getBody(FetchedMessage.class));
    }

    public void stamp(FetchedMessage message) {
        StepGuard.require(message.account().receivedDate(), "receivedDate", "receivedDate");
        Instant now = clock.instant();
        message.internalDate(ReceivedDate.fromTopmost(List.of(message.header("Received")), now)
                .orElseGet(() -> sane(message.serverDate(), now) ? message.serverDate() : message.downloadedAt()));
    }

    private static boolean sane(Instant date, Instant now) {
        return date != null && !date.isBefore(ReceivedDate.EARLIEST) && !date.isAfter(now.plus(ReceivedDate.MAX_FUTURE_SKEW));
    }
}
