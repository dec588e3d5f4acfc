package org.mailfetch.service;

import org.mailfetch.account.AccountStore;
import org.mailfetch.account.ImapOptionsStore;
import org.mailfetch.account.PasswordCipher;
import org.mailfetch.cluster.Node;
import org.mailfetch.cluster.ClockCheck;
import org.mailfetch.cluster.SharedRoots;
import org.mailfetch.config.Settings;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.delivery.Outbox;
import org.mailfetch.recipient.SmtpRoutes;
import org.mailfetch.fetch.StatusBoard;
import org.mailfetch.fetch.UidlLedger;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.store.Database;
import org.mailfetch.delivery.OwnerNotice;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.Credentials;
import org.mailfetch.oauth2.AccessTokens;
import org.mailfetch.oauth2.OAuth2Http;
import org.mailfetch.oauth2.Providers;
import org.mailfetch.oauth2.SignIn;
import org.mailfetch.oauth2.TokenStore;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * The stores over one data dir's database, shared by the CLI commands and the running service; the
 * service classes of this package (AccountService, ...) work on them.
 */
public final class Services implements AutoCloseable {

    private final Settings settings;
    private final Node node;
    private final Database db;
    private final AccountStore accounts;
    private final ImapOptionsStore imapOptions;
    private final LocalDirectory directory;
    private final UidlLedger ledger;
    private final StatusBoard status;
    private final SmtpRoutes smtpRoutes;
    private final Outbox outbox;
    private QuarantineStore quarantine;
    private final TokenStore tokens;
    private final AccessTokens credentials;
    private final SignIn signIn;

    public Services(Settings settings) {
        this.settings = settings;
        this.node = Node.from(settings);
        this.db = Database.open(settings);
        try {
            SharedRoots.check(settings, db, node, Clock.systemUTC());
            ClockCheck.check(db, Clock.systemUTC());
        } catch (RuntimeException refused) {
            db.close();
            throw refused;
        }
        PasswordCipher cipher = PasswordCipher.forDataDir(settings.dataDir());
        try {
            SharedRoots.checkKey(settings, db, node, Clock.systemUTC(), cipher.fingerprint());
        } catch (RuntimeException refused) {
            db.close();
            throw refused;
        }
        this.accounts = new AccountStore(db, cipher);
        this.imapOptions = new ImapOptionsStore(db);
        this.smtpRoutes = new SmtpRoutes(db, cipher);
        this.outbox = new Outbox(db, settings.spoolRoot(), java.time.Clock.systemUTC(), node.claimer());
        this.directory = new LocalDirectory(db);
        this.ledger = new UidlLedger(db);
        this.status = new StatusBoard(db, node.name());
        Clock clock = Clock.systemUTC();
        this.tokens = new TokenStore(db, cipher);
        OAuth2Http http = new OAuth2Http(settings.duration("mailfetch.oauth2.timeout"));
        Providers providers = new Providers(settings, accounts.oauth2(), http, clock);
        OwnerNotice notice = new OwnerNotice(settings);
        this.credentials = new AccessTokens(accounts, tokens, providers, http,
                List.of(settings.string("mailfetch.oauth2.mechanisms").toUpperCase(Locale.ROOT).split("\\s*,\\s*")), clock,
                (account, why) -> notice.deliverText(account.ownerAddress(),
                        "mailfetch.oauth2-lost." + account.id() + "." + Integer.toHexString(why.hashCode()),
                        "mailfetch: sign in again for " + account.label().replaceAll("[^\\x20-\\x7e]", "?"),
                        grantLostText(account, why), clock.instant()));
        this.signIn = new SignIn(accounts, tokens, providers, http, clock);
    }

    private static String grantLostText(Account account, String why) {
        return "mailfetch can no longer fetch mail for " + account.label() + " (\"" + account.name() + "\"):\n"
                + "the mail provider refused the account's OAuth2 refresh token (" + why + ").\n"
                + "That happens when access was revoked, the password changed, or the sign-in expired.\n\n"
                + "Nothing is fetched for this account until someone signs in again, with\n\n"
                + "    mailfetch account authorize " + account.id() + "\n\n"
                + "(add --browser for Gmail), or with \"Sign in\" on the account in the web page.\n"
                + "Mail stays on the server meanwhile; nothing is lost.\n";
    }

    /** What sessions log in with: stored passwords, or OAuth2 access tokens refreshed as needed. */
    public Credentials credentials() {
        return credentials;
    }

    /** The OAuth2 grants (state and tokens) of the accounts. */
    public TokenStore tokens() {
        return tokens;
    }

    /** OAuth2 sign-in of accounts (device flow, or code + PKCE in a browser). */
    public SignIn signIn() {
        return signIn;
    }

    public Settings settings() {
        return settings;
    }

    /** This node: its name (mailfetch.node.name) and this process. */
    public Node node() {
        return node;
    }

    public Database db() {
        return db;
    }

    public AccountStore accounts() {
        return accounts;
    }

    /** The IMAP-only options of the accounts (folders, move-to, mark-seen, IDLE). */
    public ImapOptionsStore imapOptions() {
        return imapOptions;
    }

    public LocalDirectory directory() {
        return directory;
    }

    public UidlLedger ledger() {
        return ledger;
    }

    public SmtpRoutes smtpRoutes() {
        return smtpRoutes;
    }

    public Outbox outbox() {
        return outbox;
    }

    public StatusBoard status() {
        return status;
    }

    /** The quarantine's records and files (made when first asked for: it checks the Maildir file settings). */
    public synchronized QuarantineStore quarantine() {
        if (quarantine == null) {
            quarantine = new QuarantineStore(db, settings.spoolRoot(), settings.maildirRoot(),
                    FilePermissions.from(settings), node.claimer(), Clock.systemUTC());
        }
        return quarantine;
    }

    @Override
    public void close() {
        db.close();
    }
}
