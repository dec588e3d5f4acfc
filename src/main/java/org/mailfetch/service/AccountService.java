package org.mailfetch.service;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.mailfetch.store.NotFound;
import org.mailfetch.mail.Account;
import org.mailfetch.account.AccountStore;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.account.OAuth2Options;
import org.mailfetch.oauth2.TokenStore;
import org.mailfetch.account.ImapOptionsStore;
import org.mailfetch.fetch.AccountStatus;
import org.mailfetch.fetch.FetchSessions;
import org.mailfetch.fetch.StatusBoard;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.store.InvalidValue;
import org.mailfetch.store.StoreException;

/**
 * The external accounts as the administrator manages them, whatever the surface (command line,
 * REST, JMX): {@link AccountChange}s applied with their rules, an account's owner a local mailbox,
 * the maximum message size kept with the account, an IMAP account's options stored with it in the
 * same transaction, and {@link AccountView}s out.
 *
 * <p>The UIDL ledger stays across an update unless host or user name change (AccountStore). A new
 * folder list keeps it too: ledger keys name their folder, so the rows of a folder no longer fetched
 * match nothing, and the next complete session forgets them as it forgets any message gone from the
 * server. A change of protocol keeps it as well; the keys of one protocol match nothing of the
 * other, so what is still on the server is downloaded again, and its deterministic Maildir file
 * names keep it from being delivered twice.
 */
public final class AccountService {

    private final AccountStore accounts;
    private final ImapOptionsStore imapOptions;
    private final StatusBoard status;
    private final TokenStore tokens;
    private final LocalDirectory directory;
    private final FetchSessions sessions;

    /** Without a running service: no Download now (the CLI fetches in its own process). */
    public AccountService(Services services) {
        this(services, null);
    }

    /** In the service: {@link #downloadNow} asks its sessions. */
    public AccountService(Services services, FetchSessions sessions) {
        this.accounts = services.accounts();
        this.imapOptions = services.imapOptions();
        this.status = services.status();
        this.tokens = services.tokens();
        this.directory = services.directory();
        this.sessions = sessions;
    }

    public List<Account> list() {
        return accounts.list();
    }

    public Optional<Account> find(long id) {
        return accounts.get(id);
    }

    /** The account, or a StoreException "no account ID". */
    public Account get(long id) {
        return accounts.get(id).orElseThrow(() -> new NotFound("no account " + id));
    }

    /** Adds a new account (its owner must be a local mailbox); returns it with its id. */
    public Account add(AccountChange change) {
        Account account = change.toNewAccount();
        ImapOptions imap = change.imapOptions(account, ImapOptions.DEFAULT);
        Long maxSize = change.changesMaxMessageSize() ? change.maxMessageSizeBytes() : null;
        OAuth2Options oauth2 = change.oauth2Options(null);
        change.requireProviderHost(account, oauth2);
        requireMailbox(change, account.ownerAddress());
        Account added = oauth2 == null ? accounts.add(account, change.password(), imap)
                : accounts.addOAuth2(account, oauth2, change.oauth2ClientSecret(), imap);
        if (maxSize != null) {
            accounts.maxMessageSize(added.id(), maxSize);
        }
        return added;
    }

    /** Changes the fields the change gives; the others, and the password unless given, stay. */
    public Account update(long id, AccountChange change) {
        Account current = get(id);
        Account changed = change.applyTo(current);
        ImapOptions imap = change.imapOptions(changed, imapOptions(current));
        Long maxSize = change.changesMaxMessageSize() ? change.maxMessageSizeBytes() : null;
        OAuth2Options oauth2 = change.oauth2Options(accounts.oauth2().get(id).orElse(null));
        change.requireProviderHost(changed, oauth2);
        requireMailbox(change, changed.ownerAddress());
        Account updated = oauth2 == null ? accounts.update(changed, change.password(), imap)
                : accounts.updateOAuth2(changed, oauth2, change.oauth2ClientSecret(), imap);
        if (change.changesMaxMessageSize()) {
            accounts.maxMessageSize(id, maxSize);
        }
        return updated;
    }

    public void setEnabled(long id, boolean enabled) {
        accounts.setEnabled(id, enabled);
    }

    /** Removes the account with its UIDL ledger and status. */
    public void remove(long id) {
        accounts.remove(id);
    }

    /** Download now: the service's session for the account starts at once, or right after the running one. */
    public void downloadNow(long id) {
        if (sessions == null) {
            throw new IllegalStateException("Download now needs the running service (or account fetch)");
        }
        sessions.downloadNow(id);
    }

    /** The options of an IMAP account; {@link ImapOptions#DEFAULT} for a POP3 account (it has none). */
    public ImapOptions imapOptions(Account a) {
        return AccountChange.IMAP.equals(a.protocol()) ? imapOptions.get(a.id()) : ImapOptions.DEFAULT;
    }

    /** Every option and the status. */
    public Map<String, Object> view(Account a) {
        return AccountView.of(a, imap(a), accounts.oauth2().get(a.id()).orElse(null), tokens.get(a.id()).orElse(null),
                status.get(a.id()));
    }

    /** The IMAP options of an IMAP account, null for a POP3 one. */
    private ImapOptions imap(Account a) {
        return AccountChange.IMAP.equals(a.protocol()) ? imapOptions.get(a.id()) : null;
    }

    public List<Map<String, Object>> views() {
        return list().stream().map(this::view).toList();
    }

    /** The status fields of {@link #view}. */
    public Map<String, Object> statusView(long id) {
        Account a = get(id);
        return AccountView.status(a.id(), imap(a), tokens.get(id).orElse(null), status.get(id));
    }

    public AccountStatus status(long id) {
        return status.get(id);
    }

    /**
     * The last session's result word (ok, failed, skipped, needs-authorization), or null before the first
     * session; needs-authorization as soon as the account's OAuth2 grant is lost, whoever found out.
     */
    public String lastResult(long id) {
        if (tokens.get(id).map(g -> TokenStore.NEEDS_AUTHORIZATION.equals(g.state())).orElse(false)) {
            return TokenStore.NEEDS_AUTHORIZATION;
        }
        return status.get(id).lastResult();
    }

    private void requireMailbox(AccountChange change, String owner) {
        if (!directory.isMailbox(MailAddress.parse(owner))) {
            throw new InvalidValue(change.label("owner"), change.label("owner") + ": no local mailbox " + owner
                    + ": add it first (mailbox add, or POST /api/mailboxes)");
        }
    }
}
