package org.mailfetch.mail;

import java.util.List;

/**
 * What a session logs in with: the account's password, or an OAuth2 access token sent by a SASL
 * mechanism (XOAUTH2 or OAUTHBEARER, RFC 7628). Both are secrets: {@link #toString()} never shows them.
 */
public sealed interface Credential permits Credential.Password, Credential.Bearer {

    /** A password for USER/PASS (POP3), LOGIN (IMAP) or AUTH (SMTP). */
    record Password(String secret) implements Credential {
        @Override
        public String toString() {
            return "Password[hidden]";
        }
    }

    /**
     * An OAuth2 access token. {@code mechanisms}: the SASL mechanisms to use, most wanted first
     * (upper case, e.g. XOAUTH2, OAUTHBEARER); a client takes the first the server offers, and the
     * first of the list when the server does not say what it offers.
     */
    record Bearer(String accessToken, List<String> mechanisms) implements Credential {
        public Bearer {
            mechanisms = List.copyOf(mechanisms);
            if (mechanisms.isEmpty()) {
                throw new IllegalArgumentException("an OAuth2 credential needs at least one SASL mechanism");
            }
        }

        @Override
        public String toString() {
            return "Bearer[hidden, " + mechanisms + "]";
        }
    }
}
