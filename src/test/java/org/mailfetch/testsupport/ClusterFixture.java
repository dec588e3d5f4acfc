package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.recipient.LmtpTarget;
import org.mailfetch.service.AdminPassword;

/**
 * Several mailfetch nodes' common ground, as {@code ClusterIT} and {@code bench/cluster} set it up: a
 * database of its own on a private {@link Postgres}, POP3 accounts {@code extN@remote.test} on a
 * private {@link Dovecot}, each delivering by LMTP into the same Dovecot to its owner
 * {@code ownN@local.test} (an LMTP domain), interval 1 minute, delete at once; the admin data dir
 * that made them (its {@code mailfetch.key} is what every node copies); the settings a node runs
 * with; and the checks on what arrived (Message-IDs per owner, sessions per node log).
 *
 * <pre>{@code
 * ClusterFixture c = new ClusterFixture(postgres, dovecot, dir, "secret", "");
 * List<Long> ids = c.addAccounts(100, 2, 2_000);
 * Path data = c.nodeDataDir("node-a", true);
 * ForkedMailfetch.start(data, log, c.nodeSettings("node-a"), List.of("-Xmx256m"), "run");
 * }</pre>
 */
public final class ClusterFixture {

    /** The LMTP domain the owners are in. */
    public static final String LOCAL = "local.test";

    private static final Pattern DOWNLOADED = Pattern.compile("session ok: downloaded [1-9]");
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID: (\\S+)");

    private final Postgres postgres;
    private final Dovecot dovecot;
    private final Path dir;
    private final String password;
    private final String prefix;
    private final String databaseName;
    private final Properties database;

    /**
     * A new database on {@code postgres}; data dirs, roots and logs under {@code dir}. {@code prefix}
     * starts every Dovecot user name, so that several fixtures can share one Dovecot ({@code ""}:
     * {@code ext0@remote.test}); {@code password} is every account's, every Dovecot user's and the
     * admin password.
     */
    public ClusterFixture(Postgres postgres, Dovecot dovecot, Path dir, String password, String prefix)
            throws IOException {
        this.postgres = postgres;
        this.dovecot = dovecot;
        this.dir = dir;
        this.password = password;
        this.prefix = prefix;
        this.databaseName = postgres.createDatabase();
        this.database = postgres.settings(databaseName, dir);
    }

    /**
     * {@code count} accounts ext0…ext(count-1), each with {@code messages} messages of about
     * {@code size} bytes waiting, made through an admin data dir under {@code dir}, which also sets the
     * admin password; returns the account ids in order.
     */
    public List<Long> addAccounts(int count, int messages, int size) throws IOException {
        List<Long> ids = new ArrayList<>();
        Properties s = new Properties();
        s.putAll(database);
        s.setProperty("mailfetch.maildir.root", dir.resolve("mailboxes").toString());
        s.setProperty("mailfetch.spool.root", dir.resolve("spool").toString());
        try (MailfetchFixture admin = new MailfetchFixture(dir.resolve("admin"), s)) {
            new AdminPassword(admin.services().db()).set(password);
            admin.services().directory().addDomain(LOCAL, null, LmtpTarget.parse("127.0.0.1:" + dovecot.lmtpPort()));
            for (int i = 0; i < count; i++) {
                dovecot.addUser(external(i), password);
                dovecot.addUser(owner(i), password);
                admin.services().directory().addMailbox(owner(i));
                for (int k = 0; k < messages; k++) {
                    dovecot.deliver(external(i), message(i, k, size));
                }
                Account a = new Account(0, "acct" + i, true, "pop3", "127.0.0.1", dovecot.pop3Port(), Security.NONE,
                        external(i), null, 1, false, Account.DEFAULT_RECIPIENT_HEADERS, Account.DEFAULT_ENVELOPE_HEADERS,
                        false, false, false, false, DeleteMode.IMMEDIATELY, owner(i), Instant.now());
                ids.add(admin.services().accounts().add(a, password).id());
            }
        }
        return ids;
    }

    /**
     * A node's data dir {@code dir/name} (0700); with {@code sharedKey} it holds a copy of the admin
     * data dir's {@code mailfetch.key}, as every node of a cluster must (README, Several nodes).
     */
    public Path nodeDataDir(String name, boolean sharedKey) throws IOException {
        Path dataDir = Files.createDirectories(dir.resolve(name));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        if (sharedKey) {
            Path key = Files.copy(dir.resolve("admin").resolve("mailfetch.key"), dataDir.resolve("mailfetch.key"));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        return dataDir;
    }

    /** What every node runs with: the database, its name, the shared Maildir and spool roots. */
    public Map<String, String> nodeSettings(String name) {
        Map<String, String> s = new HashMap<>();
        database.stringPropertyNames().forEach(k -> s.put(k, database.getProperty(k)));
        s.put("mailfetch.node.name", name);
        s.put("mailfetch.maildir.root", dir.resolve("mailboxes").toString());
        s.put("mailfetch.spool.root", dir.resolve("spool").toString());
        return s;
    }

    public String external(int i) {
        return prefix + "ext" + i + "@remote.test";
    }

    public String owner(int i) {
        return prefix + "own" + i + "@" + LOCAL;
    }

    /** Message {@code n} of account {@code account}: Message-ID {@code <account.n@cluster.test>}. */
    public byte[] message(int account, int n, int size) {
        StringBuilder b = new StringBuilder("From: sender@remote.test\r\nTo: " + external(account)
                + "\r\nSubject: cluster " + n + "\r\nMessage-ID: <" + account + "." + n + "@cluster.test>\r\n\r\n");
        while (b.length() < size) {
            b.append("line of message ").append(n).append(" for account ").append(account).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Account i's server mailbox is empty and its owner has at least {@code count} messages. */
    public boolean fullyFetched(int i, int count) {
        try {
            return dovecot.messageCount(external(i)) == 0 && dovecot.messageCount(owner(i)) >= count;
        } catch (IOException e) {
            return false;
        }
    }

    /** What is wrong with owner i's mailbox, if anything: not exactly {@code count} messages, or a Message-ID twice. */
    public Optional<String> exactlyOnceProblem(int i, int count) throws IOException {
        List<String> found = messageIds(owner(i));
        if (found.size() != count) {
            return Optional.of(owner(i) + " has " + found + " ==> expected: <" + count + "> but was: <" + found.size() + ">");
        }
        if (found.stream().distinct().count() != found.size()) {
            return Optional.of(owner(i) + " got a message twice: " + found);
        }
        return Optional.empty();
    }

    /** The Message-IDs in the user's INBOX ({@code new/} and {@code cur/}; a file's name when it has none). */
    public List<String> messageIds(String user) throws IOException {
        List<String> out = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            try (Stream<Path> files = Files.list(dovecot.maildir(user).resolve(sub))) {
                for (Path f : files.toList()) {
                    Matcher m = MESSAGE_ID.matcher(Files.readString(f, StandardCharsets.ISO_8859_1));
                    out.add(m.find() ? m.group(1) : f.getFileName().toString());
                }
            }
        }
        return out;
    }

    /** The sessions a node's log says delivered something ({@code session ok: downloaded N}, N > 0). */
    public static int sessionsThatDownloaded(Path log) throws IOException {
        Matcher m = DOWNLOADED.matcher(Files.readString(log));
        int c = 0;
        while (m.find()) {
            c++;
        }
        return c;
    }

    /** Runs {@code query} in this fixture's database as the superuser; psql's unaligned output. */
    public String sql(String query) throws IOException {
        return postgres.psql(databaseName, query);
    }
}
