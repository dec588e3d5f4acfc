package org.mailfetch.fetch;

import org.mailfetch.account.AccountStore;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credential;
import org.mailfetch.mail.Credentials;

/** The account's stored password, read at every login (it may have changed since the last one). */
public final class PasswordCredentials implements Credentials {

    private final AccountStore accounts;

    public PasswordCredentials(AccountStore accounts) {
        this.accounts = accounts;
    }

    @Override
    public Credential forLogin(Account account) {
        return new Credential.Password(accounts.password(account.id()));
    }

    /** A refused password stays refused until someone changes it: no second try. */
    @Override
    public Credential afterRefusal(Account account, Credential refused) {
        return null;
    }
}
