package org.mailfetch.mail;

import java.time.Instant;
import java.util.List;

/**
 * One external account: every option of hMailServer's External Accounts dialog, plus the
 * envelope-header list and a trusted certificate. The password is not here: {@link AccountStore}
 * hands it out decrypted only to the session that logs in.
 */
public record Account(
        long id,
        String name,
        boolean enabled,
        String protocol,
        String host,
        int port,
        Security security,
        String userName,
        String trustCertPem,
        int intervalMinutes,
        boolean mimeRecipients,
        List<String> recipientHeaders,
        List<String> envelopeHeaders,
        boolean routeRecipients,
        boolean receivedDate,
        boolean antispam,
        boolean antivirus,
        DeleteMode deleteMode,
        String ownerAddress,
        Instant createdAt) {

    public static final List<String> DEFAULT_RECIPIENT_HEADERS = List.of("To", "CC", "X-RCPT-TO", "X-Envelope-To");
    public static final List<String> DEFAULT_ENVELOPE_HEADERS =
            List.of("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-RCPT-TO");

    /** How the account appears in logs and errors: id and user@host, never the password. */
    public String label() {
        return "account " + id + " (" + userName + "@" + host + ")";
    }
}
