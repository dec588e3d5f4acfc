package org.mailfetch.delivery;

import java.time.Instant;
import java.util.List;

/** One routed message in the outbox: where it goes, how far it got. */
public record OutboxEntry(
        long id,
        long accountId,
        String uidl,
        String routeDomain,
        String envelopeFrom,
        List<String> recipients,
        List<String> failedRecipients,
        String fileName,
        long size,
        State state,
        int attempts,
        Instant createdAt,
        Instant nextAttemptAt,
        String lastError) {

    /** WAITING: to be sent (again); SENT: every recipient accepted; FAILED: given up, the owner has a notice. */
    public enum State { WAITING, SENT, FAILED }
}
