package org.mailfetch.mail;

import java.io.IOException;

/**
 * The account's OAuth2 grant is gone (the provider answered {@code invalid_grant}: revoked, expired,
 * password changed): nothing will work until its owner signs in again with {@code account authorize}.
 * Sessions end without contacting the mail server; the status says {@code needs-authorization}.
 */
public final class NeedsAuthorization extends IOException {

    public NeedsAuthorization(String message) {
        super(message);
    }
}
