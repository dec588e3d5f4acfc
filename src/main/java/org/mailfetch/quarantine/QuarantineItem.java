package org.mailfetch.quarantine;

import java.time.Instant;

/**
 * A quarantined message: which account and UIDL it came from, whose it is, why it is held
 * ({@code kind} spam, virus or unscanned; {@code reason} the score, signature or scanner failure)
 * and the file under {@code <data-dir>/quarantine/}.
 */
public record QuarantineItem(
        long id,
        long accountId,
        String uidl,
        String ownerAddress,
        String kind,
        String reason,
        String sender,
        String subject,
        long size,
        String fileName,
        Instant quarantinedAt) {}
