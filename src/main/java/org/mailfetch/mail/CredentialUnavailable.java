package org.mailfetch.mail;

import java.io.IOException;

/**
 * No credential can be had right now: the OAuth2 token endpoint is unreachable, slow, answers an
 * error or nonsense, or refuses the client. Nothing is lost — the session ends before it contacts
 * the mail server, and the next one tries again after the account's back-off.
 */
public final class CredentialUnavailable extends IOException {

    public CredentialUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
