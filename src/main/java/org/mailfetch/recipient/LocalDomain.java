package org.mailfetch.recipient;

/**
 * A local domain: its mail is delivered here. {@code catchAll} (may be null) receives mail for
 * unknown addresses of the domain; {@code lmtp} (may be null) delivers the domain's mailboxes to a
 * mail store by LMTP instead of into Maildir under the data dir.
 */
public record LocalDomain(String name, boolean enabled, String catchAll, LmtpTarget lmtp) {

    public boolean deliversByLmtp() {
        return lmtp != null;
    }
}
