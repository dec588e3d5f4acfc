package org.mailfetch.recipient;

import java.util.List;

import org.mailfetch.fetch.FetchedMessage;

/**
 * Decides which local mailboxes get a message. Every message goes to the account's owner (the
 * mailbox the external account belongs to); recipient splitting by MIME and envelope headers is the
 * next issue and plugs in here.
 */
public final class RecipientResolver {

    public void resolve(FetchedMessage message) {
        message.recipients(List.of(MailAddress.parse(message.account().ownerAddress())));
    }
}
