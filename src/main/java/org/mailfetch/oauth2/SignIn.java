package org.mailfetch.oauth2;

import java.time.Duration;

/**
 * Signs an OAuth2 account in and stores its tokens: the device flow (RFC 8628) for headless
 * servers, or the authorization code flow with PKCE and a loopback redirect for providers that
 * allow no device flow for mail (Google). Both block until the user has answered, the code has
 * expired or the wait timed out; a success clears the account's needs-authorization state.
 */
public final class SignIn {

    /** Device flow: shows the code through the listener, polls the token endpoint, stores the tokens. */
    public void device(long accountId, SignInListener listener) throws SignInFailed, InterruptedException {
        throw new SignInFailed(SignInFailed.Reason.NOT_CONFIGURED, "not built yet");
    }

    /**
     * Code + PKCE: listens on a loopback port for the redirect, shows the URL to open through the
     * listener, exchanges the code, stores the tokens; gives up after {@code timeout}.
     */
    public void browser(long accountId, SignInListener listener, Duration timeout) throws SignInFailed, InterruptedException {
        throw new SignInFailed(SignInFailed.Reason.NOT_CONFIGURED, "not built yet");
    }
}
