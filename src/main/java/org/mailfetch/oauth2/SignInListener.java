package org.mailfetch.oauth2;

import java.net.URI;
import java.time.Duration;

/** What a sign-in shows its user while it waits for them: the surfaces (CLI, web page) implement it. */
public interface SignInListener {

    /**
     * Device flow (RFC 8628): the user opens {@code verificationUri} anywhere and types {@code userCode};
     * {@code verificationUriComplete} (null when the provider gives none) carries the code already.
     * Every value was checked: an https (or loopback http) URL, a printable code.
     */
    void deviceCode(URI verificationUri, String userCode, URI verificationUriComplete, Duration expiresIn);

    /** Browser flow (code + PKCE): the URL the user opens in a browser on this machine. */
    void authorizationUrl(URI url);
}
