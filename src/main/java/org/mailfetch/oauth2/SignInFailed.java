package org.mailfetch.oauth2;

/** A sign-in that ended without tokens; the message says why and what to do, never a secret. */
public final class SignInFailed extends Exception {

    public enum Reason {
        /** The user declined (access_denied). */
        DENIED,
        /** The code or the wait ran out before the user approved. */
        EXPIRED,
        /** The provider refused the request (bad client, scope, a flow it does not offer). */
        REFUSED,
        /** The provider could not be reached or answered nonsense: try again later. */
        UNAVAILABLE,
        /** The account does not sign in with OAuth2, or lacks a client id. */
        NOT_CONFIGURED
    }

    private final Reason reason;

    public SignInFailed(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SignInFailed(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
