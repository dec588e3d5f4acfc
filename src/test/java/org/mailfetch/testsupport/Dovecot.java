package org.mailfetch.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A private Dovecot 2.3 instance for integration tests (Debian 12 packages, see {@code .ci/run}).
 *
 * <p>POP3 (with STLS), POP3S, IMAP (with STARTTLS), IMAPS and LMTP listen on free 127.0.0.1 ports.
 * Configuration, sockets, state, log, a self-signed certificate, the passwd-file of test users and
 * their Maildir stores all live in one temporary directory that {@link #close()} removes; the
 * system's Dovecot configuration, sockets and state are never used.
 *
 * <p>Must run as root: the master process switches to {@value #MAIL_USER}, a system user created on
 * first use, because Dovecot refuses to access mail as uid 0.
 *
 * <pre>{@code
 * @AutoClose static Dovecot dovecot;
 * @BeforeAll static void startDovecot() throws IOException { dovecot = Dovecot.start(); }
 * }</pre>
 */
public final class Dovecot extends PrivateDaemon {

    public static final String HOST = PrivateDaemon.HOST;
    /** Owner of every test mailbox. */
    public static final String MAIL_USER = "mailfetch-test";

    private static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    private static final List<Path> PROTOCOL_BINARIES = List.of(
            Path.of("/usr/lib/dovecot/pop3"), Path.of("/usr/lib/dovecot/imap"), Path.of("/usr/lib/dovecot/lmtp"));
    private static final String PACKAGES = "dovecot-core dovecot-pop3d dovecot-imapd dovecot-lmtpd";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 3;
    private static final AtomicLong DELIVERIES = new AtomicLong();

    private final SystemUser mailUser;
    private final OAuth2 oauth2;
    private final Set<String> users = new HashSet<>();
    private Ports ports;

    private Dovecot(SystemUser mailUser, OAuth2 oauth2) throws IOException {
        super("dovecot"); // a test JVM that exits without close() must not leave a daemon behind
        this.mailUser = mailUser;
        this.oauth2 = oauth2;
    }

    /**
     * Where Dovecot's {@code oauth2} passdb checks bearer tokens: an RFC 7662 introspection URL
     * (POSTed the token, {@code client_id} and {@code client_secret} as form fields) and the client
     * it introspects as; see {@link Keycloak#dovecotOAuth2()}.
     */
    public record OAuth2(String introspectionUrl, String clientId, String clientSecret) {
        public OAuth2 {
            for (String value : List.of(introspectionUrl, clientId, clientSecret)) {
                if (value.isEmpty() || value.contains("\n")) {
                    throw new IllegalArgumentException("unsuitable oauth2 setting");
                }
            }
        }
    }

    /**
     * Starts a new instance and returns once every listener accepts connections.
     *
     * @throws IllegalStateException if not root or the Dovecot packages are missing
     * @throws IOException if Dovecot does not come up; the message carries its output and log tail
     */
    public static Dovecot start() throws IOException {
        return start(null);
    }

    /**
     * As {@link #start()}, and users may also sign in with a bearer token (SASL XOAUTH2 and
     * OAUTHBEARER, POP3 and IMAP) that {@code oauth2} introspects: an {@code oauth2} passdb comes
     * before the passwd-file one (which still serves {@link #addUser} passwords, PLAIN and LOGIN).
     * The token's {@code preferred_username} must equal the user named in the SASL message, and
     * that user's mailbox must exist ({@link #addUser}; the passwd-file stays the userdb). Failed
     * logins are answered at once ({@code auth_failure_delay = 0}, no anvil auth penalty), for tests
     * that fail on purpose.
     *
     * @param oauth2 null for a password-only instance, as {@link #start()}
     */
    public static Dovecot start(OAuth2 oauth2) throws IOException {
        checkEnvironment();
        Dovecot dovecot = new Dovecot(SystemUser.ensure(MAIL_USER), oauth2);
        try {
            dovecot.prepareFiles();
            dovecot.startListening();
            return dovecot;
        } catch (IOException | RuntimeException e) {
            try {
                dovecot.close();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void checkEnvironment() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("Dovecot test instances need root (the master switches to the mail user);"
                    + " run the integration tests as root, e.g. through .ci/run, or pass -DskipITs");
        }
        List<Path> missing = new ArrayList<>();
        if (!Files.isExecutable(DOVECOT)) {
            missing.add(DOVECOT);
        }
        PROTOCOL_BINARIES.stream().filter(p -> !Files.isExecutable(p)).forEach(missing::add);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Dovecot is not installed (missing " + missing + "): apt-get install "
                    + PACKAGES + " (see .ci/run), or pass -DskipITs");
        }
    }

    private void prepareFiles() throws IOException {
        // login, auth and mail processes run as other users and must traverse the directory
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectory(root.resolve("mail"));
        Files.createDirectory(root.resolve("users"));
        createCertificate();
    }

    private void createCertificate() throws IOException {
        // the SAN lets clients verify the host name as well as the chain
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", root.resolve("key.pem").toString(), "-out", certificatePem().toString()));
    }

    private void startListening() throws IOException {
        for (int attempt = 1; ; attempt++) {
            ports = Ports.allocate();
            if (oauth2 != null) {
                writeOAuth2Config();
            }
            Files.writeString(configFile(), config());
            Files.deleteIfExists(logFile());
            launch(List.of(DOVECOT.toString(), "-F", "-c", configFile().toString()));
            try {
                await(START_TIMEOUT, () -> Arrays.stream(ports.all()).allMatch(Dovecot::accepts));
                return;
            } catch (IOException e) {
                stopProcess();
                // free ports are only reserved until Dovecot binds them; another process may win
                if (attempt == START_ATTEMPTS || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    protected IOException startFailure(String reason) {
        return new IOException(super.startFailure(reason).getMessage() + "--- " + logFile() + " (tail) ---\n"
                + logTail(30));
    }

    private String config() {
        Map<String, String> values = Map.of(
                "@ROOT@", root.toString(),
                "@UID@", Integer.toString(mailUser.uid()),
                "@GID@", Integer.toString(mailUser.gid()),
                "@POP3@", Integer.toString(ports.pop3()),
                "@POP3S@", Integer.toString(ports.pop3s()),
                "@IMAP@", Integer.toString(ports.imap()),
                "@IMAPS@", Integer.toString(ports.imaps()),
                "@LMTP@", Integer.toString(ports.lmtp()));
        String config = """
                # Private test instance: nothing here refers to /etc/dovecot, /run/dovecot or /var/lib/dovecot.
                instance_name = mailfetch-test-@POP3@
                base_dir = @ROOT@/run
                state_dir = @ROOT@/state
                log_path = @ROOT@/dovecot.log
                listen = 127.0.0.1
                protocols = pop3 imap lmtp
                # the test store is owned by a system user, below Dovecot's default uid range
                first_valid_uid = @UID@
                last_valid_uid = @UID@
                first_valid_gid = @GID@
                last_valid_gid = @GID@
                mail_location = maildir:~/Maildir
                auth_mechanisms = plain login@OAUTH2_MECHANISMS@
                disable_plaintext_auth = no
                auth_verbose = yes
                ssl = yes
                ssl_cert = <@ROOT@/cert.pem
                ssl_key = <@ROOT@/key.pem
                postmaster_address = postmaster@localhost
                # room for the IDLE benchmark (bench/run --idle): one imap process per connection
                default_process_limit = 1500
                default_client_limit = 6000
                # one file per user: Dovecot re-checks a passwd-file at most once a second, but a
                # path it has not looked at yet is read at once, so users added later log in at once
                @OAUTH2_PASSDB@passdb {
                  driver = passwd-file
                  args = scheme=PLAIN @ROOT@/users/%u
                }
                userdb {
                  driver = passwd-file
                  args = @ROOT@/users/%u
                }
                service pop3-login {
                  inet_listener pop3 {
                    port = @POP3@
                  }
                  inet_listener pop3s {
                    port = @POP3S@
                    ssl = yes
                  }
                }
                service imap-login {
                  inet_listener imap {
                    port = @IMAP@
                  }
                  inet_listener imaps {
                    port = @IMAPS@
                    ssl = yes
                  }
                }
                service lmtp {
                  inet_listener lmtp {
                    address = 127.0.0.1
                    port = @LMTP@
                  }
                }
                """;
        for (Map.Entry<String, String> value : values.entrySet()) {
            config = config.replace(value.getKey(), value.getValue());
        }
        if (oauth2 == null) {
            return config.replace("@OAUTH2_MECHANISMS@", "").replace("@OAUTH2_PASSDB@", "");
        }
        return config.replace("@OAUTH2_MECHANISMS@", " xoauth2 oauthbearer").replace("@OAUTH2_PASSDB@", """
                passdb {
                  driver = oauth2
                  mechanisms = xoauth2 oauthbearer
                  args = @ROOT@/oauth2.conf.ext
                }
                """.replace("@ROOT@", root.toString())) + """
                # tests fail logins on purpose: answer at once, no growing penalty per source address
                auth_failure_delay = 0
                service anvil {
                  unix_listener anvil-auth-penalty {
                    mode = 0
                  }
                }
                """;
    }

    private void writeOAuth2Config() throws IOException {
        Path file = root.resolve("oauth2.conf.ext");
        Files.writeString(file, """
                # Dovecot's oauth2 passdb: RFC 7662 introspection by POST, client credentials in the form
                introspection_mode = post
                introspection_url = %s
                client_id = %s
                client_secret = %s
                username_attribute = preferred_username
                active_attribute = active
                active_value = true
                """.formatted(oauth2.introspectionUrl(), oauth2.clientId(), oauth2.clientSecret()));
        // read by the auth process (user dovecot); the secret is a throwaway test value
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /**
     * Adds a user with an empty Maildir; it can log in as soon as this returns. LMTP looks
     * recipients up by their full address, so name users {@code local@domain} when they receive
     * over LMTP.
     */
    public synchronized void addUser(String name, String password) throws IOException {
        if (!name.matches("[A-Za-z0-9._+@-]+") || name.startsWith(".")) {
            throw new IllegalArgumentException("unsuitable test user name: " + name);
        }
        if (password.contains(":") || password.contains("\n")) {
            throw new IllegalArgumentException("passwd-file passwords cannot contain ':' or line breaks");
        }
        // a changed file may go unnoticed for a second (see config()): users are immutable instead
        if (!users.add(name)) {
            throw new IllegalArgumentException("test user exists already: " + name);
        }
        createMaildir(name);
        Path file = root.resolve("users").resolve(name);
        Path next = root.resolve("users").resolve("." + name + ".new");
        Files.writeString(next, name + ":{PLAIN}" + password + ":" + mailUser.uid() + ":" + mailUser.gid()
                + "::" + home(name) + "::\n");
        // the auth process runs as user dovecot; the passwords are throwaway test values
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private void createMaildir(String user) throws IOException {
        Path maildir = maildir(user);
        for (Path dir : List.of(home(user), maildir, maildir.resolve("cur"), maildir.resolve("new"),
                maildir.resolve("tmp"))) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            mailUser.own(dir);
        }
    }

    /**
     * Puts a message straight into the user's {@code new/} (written in {@code tmp/}, then renamed,
     * as Maildir requires). Bypassing every protocol makes this fast enough to fill benchmark
     * mailboxes (about 2,000 messages a second). The bytes are stored as given; Dovecot serves
     * LF-only files with CRLF line ends.
     *
     * @return the delivered file
     */
    public Path deliver(String user, byte[] rfc822) throws IOException {
        Path maildir = existingMaildir(user);
        // S= and W= (size with CRLF line ends) spare Dovecot reading each file for POP3 LIST
        String name = Instant.now().getEpochSecond() + ".P" + ProcessHandle.current().pid()
                + "Q" + DELIVERIES.incrementAndGet() + ".mailfetch-test"
                + ",S=" + rfc822.length + ",W=" + crlfSize(rfc822);
        Path tmp = maildir.resolve("tmp").resolve(name);
        Files.write(tmp, rfc822);
        mailUser.own(tmp);
        return Files.move(tmp, maildir.resolve("new").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static long crlfSize(byte[] message) {
        long size = message.length;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) {
                size++;
            }
        }
        return size;
    }

    /** Messages in the user's INBOX, counted from the Maildir ({@code new/} and {@code cur/}). */
    public int messageCount(String user) throws IOException {
        Path maildir = existingMaildir(user);
        return countFiles(maildir.resolve("new")) + countFiles(maildir.resolve("cur"));
    }

    private static int countFiles(Path dir) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, f -> !f.getFileName().toString().startsWith("."))) {
            for (Path ignored : files) {
                count++;
            }
        }
        return count;
    }

    private synchronized Path existingMaildir(String user) {
        if (!users.contains(user)) {
            throw new IllegalArgumentException("unknown test user " + user + ": call addUser first");
        }
        return maildir(user);
    }

    /** The user's INBOX Maildir ({@code cur/ new/ tmp/}). */
    public Path maildir(String user) {
        return home(user).resolve("Maildir");
    }

    private Path home(String user) {
        return root.resolve("mail").resolve(user);
    }

    public String host() {
        return HOST;
    }

    /** Plain POP3; CAPA lists STLS. */
    public int pop3Port() {
        return ports.pop3();
    }

    /** POP3 over TLS from the first byte, with the certificate at {@link #certificatePem()}. */
    public int pop3sPort() {
        return ports.pop3s();
    }

    /** Plain IMAP; STARTTLS available. */
    public int imapPort() {
        return ports.imap();
    }

    public int imapsPort() {
        return ports.imaps();
    }

    public int lmtpPort() {
        return ports.lmtp();
    }

    /** The self-signed server certificate (CN=localhost, SAN IP:127.0.0.1 and DNS:localhost). */
    public Path certificatePem() {
        return root.resolve("cert.pem");
    }

    /**
     * A client context that trusts exactly this instance's certificate (a trust store built from
     * {@link #certificatePem()}), with the usual chain and validity checks.
     */
    public SSLContext clientSslContext() throws IOException, GeneralSecurityException {
        KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
        trustStore.load(null, null);
        try (InputStream pem = Files.newInputStream(certificatePem())) {
            trustStore.setCertificateEntry("dovecot", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** For {@code doveadm -c}, which talks to this instance only. */
    public Path configFile() {
        return root.resolve("dovecot.conf");
    }

    public Path logFile() {
        return root.resolve("dovecot.log");
    }

    /** The last lines of the Dovecot log, for failure messages. */
    public String logTail(int lines) {
        List<String> all = read(logFile()).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Free loopback ports, reserved together so that no two listeners get the same one. */
    private record Ports(int pop3, int pop3s, int imap, int imaps, int lmtp) {

        static Ports allocate() throws IOException {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    ServerSocket socket = new ServerSocket();
                    sockets.add(socket);
                    socket.bind(new InetSocketAddress(HOST, 0));
                }
                int[] p = sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
                return new Ports(p[0], p[1], p[2], p[3], p[4]);
            } finally {
                for (ServerSocket socket : sockets) {
                    socket.close();
                }
            }
        }

        int[] all() {
            return new int[] {pop3, pop3s, imap, imaps, lmtp};
        }
    }

    /** The unprivileged owner of the test mail store. */
    private record SystemUser(String name, int uid, int gid, UserPrincipal user, GroupPrincipal group) {

        static SystemUser ensure(String name) throws IOException {
            Optional<SystemUser> existing = lookup(name);
            if (existing.isPresent()) {
                return existing.get();
            }
            try {
                run(List.of("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name));
            } catch (IOException e) {
                // another test JVM may have created it meanwhile; only its absence is an error
                return lookup(name).orElseThrow(() -> e);
            }
            return lookup(name).orElseThrow(() -> new IOException("useradd did not create " + name));
        }

        private static Optional<SystemUser> lookup(String name) throws IOException {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] fields = line.split(":");
                if (fields.length >= 4 && fields[0].equals(name)) {
                    UserPrincipalLookupService principals = Path.of("/").getFileSystem().getUserPrincipalLookupService();
                    GroupPrincipal group = principals.lookupPrincipalByGroupName(fields[3]);
                    return Optional.of(new SystemUser(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]),
                            principals.lookupPrincipalByName(name), group));
                }
            }
            return Optional.empty();
        }

        void own(Path path) throws IOException {
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(user);
            view.setGroup(group);
        }
    }
}
