package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.config.Settings;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.service.Services;

/**
 * A data dir with the local domain example.com and the mailbox alice@example.com, and ways to add
 * accounts, run sessions and read what landed in a Maildir. Tests assert on files and rows, not mocks.
 */
public final class MailfetchFixture implements AutoCloseable {

    public static final String OWNER = "alice@example.com";

    private final Path dataDir;
    private final Services services;

    public MailfetchFixture(Path dataDir) {
        this(dataDir, new Properties());
    }

    public MailfetchFixture(Path dataDir, Properties extra) {
        this.dataDir = dataDir;
        this.services = new Services(Settings.of(settings(dataDir, extra)));
        if (!services.directory().domains().contains("example.com")) {
            services.directory().addDomain("example.com");
            services.directory().addMailbox(OWNER);
        }
    }

    /**
     * The properties a test data dir runs with: small disk threshold, short timeouts; with
     * {@code -Dmailfetch.test.database=postgresql} a PostgreSQL database of its own ({@link Postgres}).
     */
    public static Properties settings(Path dataDir, Properties extra) {
        Properties p = new Properties();
        p.setProperty(Settings.DATA_DIR, dataDir.toString());
        p.setProperty("mailfetch.fetch.min-free-disk", "1MiB");
        p.setProperty("mailfetch.fetch.connect-timeout", "5s");
        p.setProperty("mailfetch.fetch.read-timeout", "10s");
        p.setProperty("mailfetch.accounts.reconcile-interval", "200ms");
        p.setProperty("mailfetch.http.port", "0"); // a free port: tests never take 8080
        p.putAll(Postgres.testDatabaseFor(dataDir)); // empty unless the tests run on PostgreSQL
        p.putAll(extra);
        return p;
    }

    public Services services() {
        return services;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A plain-POP3 account on 127.0.0.1 owned by alice@example.com. */
    public Account addAccount(String name, int port, String user, String password, DeleteMode delete) {
        return services.accounts().add(plain(name, port, user, delete), password);
    }

    /**
     * An account on 127.0.0.1 with the given connection security; {@code trustCertPem} (PEM text,
     * may be null) is the certificate the account trusts, with verification left on.
     */
    public Account addAccount(String name, Security security, int port, String trustCertPem, String user,
                              String password, DeleteMode delete) {
        return services.accounts().add(account(name, security, port, trustCertPem, user, delete), password);
    }

    /**
     * An IMAP account on 127.0.0.1 with its IMAP options stored through the stores (the CLI's
     * `account add --protocol imap` is tested on its own)
     */
    public Account addImapAccount(String name, Security security, int port, String trustCertPem, String user,
                                  String password, DeleteMode delete, org.mailfetch.account.ImapOptions options) {
        Account a = account(name, security, port, trustCertPem, user, delete);
        Account imap = new Account(a.id(), a.name(), a.enabled(), "imap", a.host(), a.port(), a.security(), a.userName(),
                a.trustCertPem(), a.intervalMinutes(), a.mimeRecipients(), a.recipientHeaders(), a.envelopeHeaders(),
                a.routeRecipients(), a.receivedDate(), a.antispam(), a.antivirus(), a.deleteMode(), a.ownerAddress(),
                a.createdAt());
        Account added = services.accounts().add(imap, password);
        new org.mailfetch.account.ImapOptionsStore(services.db()).set(added.id(), options);
        return added;
    }

    /** The account's ledger keys. */
    public java.util.Set<String> ledgerKeys(long accountId) {
        return services.ledger().load(accountId).keySet();
    }

    public static Account plain(String name, int port, String user, DeleteMode delete) {
        return account(name, Security.NONE, port, null, user, delete);
    }

    public static Account account(String name, Security security, int port, String trustCertPem, String user,
                                  DeleteMode delete) {
        return new Account(0, name, true, "pop3", "127.0.0.1", port, security, user, trustCertPem, 30, false,
                Account.DEFAULT_RECIPIENT_HEADERS, Account.DEFAULT_ENVELOPE_HEADERS, false, false, false, false, delete,
                OWNER, Instant.now());
    }

    /** One session in a throw-away engine, as `account fetch` runs it. */
    public SessionSummary fetch(long accountId) throws Exception {
        return fetch(accountId, Clock.systemUTC());
    }

    public SessionSummary fetch(long accountId, Clock clock) throws Exception {
        try (FetchEngine engine = new FetchEngine(services, FetchEngine.Mode.SINGLE_SESSION, clock)) {
            engine.start();
            return engine.fetchOnce(accountId);
        }
    }

    /** The files in alice's (or another mailbox's) new/ and cur/, their contents. */
    public List<String> delivered() throws IOException {
        return delivered(OWNER);
    }

    public List<String> delivered(String address) throws IOException {
        String[] parts = address.split("@");
        Path root = dataDir.resolve("mailboxes").resolve(parts[1]).resolve(parts[0]);
        List<String> out = new ArrayList<>();
        for (String sub : new String[] {"new", "cur"}) {
            Path dir = root.resolve(sub);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.sorted().toList()) {
                        out.add(Files.readString(f));
                    }
                }
            }
        }
        return out;
    }

    public int ledgerSize(long accountId) {
        return services.ledger().load(accountId).size();
    }

    @Override
    public void close() {
        services.close();
    }
}
