package org.mailfetch.service;

import org.mailfetch.account.AccountStore;
import org.mailfetch.account.ImapOptionsStore;
import org.mailfetch.account.PasswordCipher;
import org.mailfetch.config.Settings;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.delivery.Outbox;
import org.mailfetch.recipient.SmtpRoutes;
import org.mailfetch.fetch.StatusBoard;
import org.mailfetch.fetch.UidlLedger;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.store.Database;

/**
 * The stores over one data dir's database, shared by the CLI commands and the running service; the
 * service classes of this package (AccountService, ...) work on them.
 */
public final class Services implements AutoCloseable {

    private final Settings settings;
    private final Database db;
    private final AccountStore accounts;
    private final ImapOptionsStore imapOptions;
    private final LocalDirectory directory;
    private final UidlLedger ledger;
    private final StatusBoard status;
    private final SmtpRoutes smtpRoutes;
    private final Outbox outbox;
    private QuarantineStore quarantine;
    private final org.mailfetch.oauth2.SignIn signIn = new org.mailfetch.oauth2.SignIn();

    public Services(Settings settings) {
        this.settings = settings;
        this.db = Database.open(settings.dataDir());
        PasswordCipher cipher = PasswordCipher.forDataDir(settings.dataDir());
        this.accounts = new AccountStore(db, cipher);
        this.imapOptions = new ImapOptionsStore(db);
        this.smtpRoutes = new SmtpRoutes(db, cipher);
        this.outbox = new Outbox(db, settings.dataDir(), java.time.Clock.systemUTC());
        this.directory = new LocalDirectory(db);
        this.ledger = new UidlLedger(db);
        this.status = new StatusBoard(db);
    }

    /** OAuth2 sign-in of accounts (device flow, or code + PKCE in a browser). */
    public org.mailfetch.oauth2.SignIn signIn() {
        return signIn;
    }

    public Settings settings() {
        return settings;
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
            quarantine = new QuarantineStore(db, settings.dataDir(), FilePermissions.from(settings));
        }
        return quarantine;
    }

    @Override
    public void close() {
        db.close();
    }
}
