package org.mailfetch.mail;

import java.io.IOException;

/**
 * Where a session gets what it logs in with. For a password account that is the stored password;
 * for an OAuth2 account an access token, refreshed when it is about to expire.
 */
public interface Credentials {

    /**
     * The credential to log in with now. Throws {@link NeedsAuthorization} when the account's
     * OAuth2 grant was refused and the owner must sign in again (no server is to be contacted), and
     * an IOException when it cannot be had now (the token endpoint is down: a temporary failure).
     */
    Credential forLogin(Account account) throws IOException;

    /**
     * After the server refused {@code refused}: a fresh credential to try once more (an OAuth2 token
     * refreshed even though it had not expired), or null when trying again cannot help (a password).
     * Throws like {@link #forLogin}.
     */
    Credential afterRefusal(Account account, Credential refused) throws IOException;
}
