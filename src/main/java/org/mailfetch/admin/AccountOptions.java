package org.mailfetch.admin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.mail.MailAddress;
import picocli.CommandLine.Option;

/**
 * The options of `account add` and `account update`. Every field is null until given, so that
 * update changes only what was said; add fills the rest with the documented defaults.
 */
final class AccountOptions {

    @Option(names = "--owner", paramLabel = "ADDRESS", description = "Local mailbox the account delivers to") String owner;
    @Option(names = "--name", paramLabel = "NAME", description = "Any name; need not be unique") String name;
    @Option(names = "--host", paramLabel = "H", description = "The POP3 server: a host name or an IP address") String host;
    @Option(names = "--port", paramLabel = "P", description = "Default 995 for ssl, 110 otherwise") Integer port;
    @Option(names = "--protocol", paramLabel = "pop3", description = "pop3 (imap: not supported yet)") String protocol;
    @Option(names = "--security", paramLabel = "MODE", description = "ssl (default), starttls, starttls-optional, none") String security;
    @Option(names = "--user", paramLabel = "U", description = "The user name to log in with") String user;
    @Option(names = "--password-stdin", description = "Read the password from standard input") boolean passwordStdin;
    @Option(names = "--password-env", paramLabel = "VAR", description = "Read the password from this environment variable") String passwordEnv;
    @Option(names = "--trust-cert", paramLabel = "PEM_FILE", description = "Trust this certificate (e.g. self-signed) for TLS") Path trustCert;
    @Option(names = "--interval", paramLabel = "MINUTES", description = "Minutes between download (default 30)") Integer interval;
    @Option(names = "--disabled", negatable = true, description = "Do not fetch on schedule") Boolean disabled;
    @Option(names = "--mime-recipients", negatable = true, description = "Deliver to recipients in MIME headers") Boolean mimeRecipients;
    @Option(names = "--recipient-headers", paramLabel = "LIST", split = ",", description = "Headers read for recipients with --mime-recipients (default To,CC,X-RCPT-TO,X-Envelope-To)") List<String> recipientHeaders;
    @Option(names = "--envelope-headers", paramLabel = "LIST", split = ",", description = "Envelope headers the server writes, read first (default Delivered-To,X-Original-To,Envelope-To,X-Envelope-To,X-RCPT-TO)") List<String> envelopeHeaders;
    @Option(names = "--route-recipients", negatable = true, description = "Allow route recipients") Boolean routeRecipients;
    @Option(names = "--received-date", negatable = true, description = "Retrieve date from Received headers") Boolean receivedDate;
    @Option(names = "--antispam", negatable = true, description = "Score each message with spamd: .Junk at the mark score, quarantine at the delete score") Boolean antispam;
    @Option(names = "--antivirus", negatable = true, description = "Scan each message with clamd: infected mail goes to the quarantine") Boolean antivirus;
    @Option(names = "--delete", paramLabel = "MODE", description = "never (default), immediately, after-days:N") String delete;
    @Option(names = "--max-message-size", paramLabel = "SIZE", description = "Larger messages stay on the server,"
            + " e.g. 50MiB; 'default' = mailfetch.fetch.max-message-size") String maxMessageSize;

    /** Whether --max-message-size was given; then {@link #maxMessageSizeBytes} is the override (null: the default). */
    boolean hasMaxMessageSize() {
        return maxMessageSize != null;
    }

    Long maxMessageSizeBytes() {
        if (maxMessageSize.equalsIgnoreCase("default")) {
            return null;
        }
        try {
            long v = org.mailfetch.config.Settings.parseBytes(maxMessageSize);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        throw new IllegalArgumentException("--max-message-size must be a size like 50MiB or 'default', got '"
                + maxMessageSize + "'");
    }

    /** A new account from the options and the defaults; checks what add requires. */
    Account toNewAccount() {
        require(owner, "--owner");
        require(name, "--name");
        require(host, "--host");
        require(user, "--user");
        if (!passwordStdin && passwordEnv == null) {
            throw new IllegalArgumentException("give the password with --password-stdin or --password-env VAR");
        }
        Security sec = security == null ? Security.SSL : Security.parse(security);
        Account base = new Account(0, name, true, "pop3", host, sec.defaultPort(), sec, user, null, 30, false,
                Account.DEFAULT_RECIPIENT_HEADERS, Account.DEFAULT_ENVELOPE_HEADERS, false, false, false, false,
                DeleteMode.NEVER, owner, Instant.now());
        return applyTo(base, true);
    }

    /** The account with every given option changed. */
    Account applyTo(Account a, boolean isNew) {
        checkProtocol();
        Security sec = security == null ? a.security() : Security.parse(security);
        int newPort = port != null ? port : (security != null && (isNew || a.port() == a.security().defaultPort()))
                ? sec.defaultPort() : a.port();
        if (newPort < 1 || newPort > 65535) {
            throw new IllegalArgumentException("--port must be between 1 and 65535");
        }
        int minutes = interval == null ? a.intervalMinutes() : interval;
        if (minutes < 1) {
            throw new IllegalArgumentException("--interval must be at least 1 minute");
        }
        String ownerAddress = owner == null ? a.ownerAddress()
                : MailAddress.parse(AdminInput.address("--owner", owner)).toString();
        return new Account(a.id(), name == null ? a.name() : name, disabled == null ? a.enabled() : !disabled,
                a.protocol(), host == null ? a.host() : AdminInput.host("--host", host), newPort, sec,
                user == null ? a.userName() : user, trustCert == null ? a.trustCertPem() : readPem(trustCert), minutes,
                or(mimeRecipients, a.mimeRecipients()),
                headers("--recipient-headers", recipientHeaders, a.recipientHeaders()),
                headers("--envelope-headers", envelopeHeaders, a.envelopeHeaders()), or(routeRecipients, a.routeRecipients()),
                or(receivedDate, a.receivedDate()), or(antispam, a.antispam()), or(antivirus, a.antivirus()),
                delete == null ? a.deleteMode() : DeleteMode.parse(delete), ownerAddress, a.createdAt());
    }

    /** The new password if one was given, else null. */
    String password() throws IOException {
        if (passwordStdin && passwordEnv != null) {
            throw new IllegalArgumentException("give either --password-stdin or --password-env, not both");
        }
        if (passwordEnv != null) {
            String value = System.getenv(passwordEnv);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("environment variable " + passwordEnv + " is not set");
            }
            return AdminInput.text("the password in " + passwordEnv, value);
        }
        if (passwordStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new IllegalArgumentException("--password-stdin: no password on standard input");
            }
            return AdminInput.text("the password on standard input", line);
        }
        return null;
    }

    private void checkProtocol() {
        if (protocol != null && !protocol.equalsIgnoreCase("pop3")) {
            throw new IllegalArgumentException(protocol.equalsIgnoreCase("imap")
                    ? "--protocol imap: not supported yet" : "--protocol must be pop3, got '" + protocol + "'");
        }
    }

    private static boolean or(Boolean given, boolean current) {
        return given == null ? current : given;
    }

    private static List<String> headers(String option, List<String> given, List<String> current) {
        return given == null ? current : AdminInput.headerNames(option, given);
    }

    private static String readPem(Path file) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
                throw new IllegalArgumentException("--trust-cert " + file + " holds no PEM certificate");
            }
            return pem;
        } catch (IOException e) {
            throw new IllegalArgumentException("--trust-cert " + file + ": " + e.getMessage());
        }
    }

    private static void require(Object value, String option) {
        if (value == null) {
            throw new IllegalArgumentException("missing " + option);
        }
    }
}
