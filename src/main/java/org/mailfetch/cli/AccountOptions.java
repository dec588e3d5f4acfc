package org.mailfetch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AdminInput;
import picocli.CommandLine.Option;

/**
 * The options of `account add` and `account update`, mapped onto an {@link AccountChange}: every
 * field is null until given, so that update changes only what was said; the change holds the rules
 * and the defaults.
 */
final class AccountOptions {

    @Option(names = "--owner", paramLabel = "ADDRESS", description = "Local mailbox the account delivers to") String owner;
    @Option(names = "--name", paramLabel = "NAME", description = "Any name; need not be unique") String name;
    @Option(names = "--host", paramLabel = "H", description = "The POP3 or IMAP server: a host name or an IP address") String host;
    @Option(names = "--port", paramLabel = "P", description = "Default: POP3 995 for ssl, 110 otherwise; IMAP 993 for ssl, 143 otherwise") Integer port;
    @Option(names = "--protocol", paramLabel = "pop3|imap", description = "pop3 (default) or imap") String protocol;
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
    @Option(names = "--folder", paramLabel = "NAME", description = "IMAP: a folder to fetch (repeatable; default INBOX);"
            + " on update the folders given replace the list") List<String> folders;
    @Option(names = "--move-to", paramLabel = "FOLDER", description = "IMAP: move delivered messages to this folder"
            + " instead of deleting them (when --delete says so)") String moveTo;
    @Option(names = "--no-move-to", description = "IMAP: delete messages again instead of moving them") boolean noMoveTo;
    @Option(names = "--mark-seen", negatable = true, description = "IMAP: set \\Seen on the server once a message is delivered"
            + " (fetching alone never does)") Boolean markSeen;
    @Option(names = "--idle", negatable = true, description = "IMAP: push by IDLE besides the interval") Boolean idle;
    @Option(names = "--max-message-size", paramLabel = "SIZE", description = "Larger messages stay on the server,"
            + " e.g. 50MiB; 'default' = mailfetch.fetch.max-message-size") String maxMessageSize;

    /**
     * The options as an account change: names an option as the user typed it (--interval), reads
     * the password (--password-stdin, --password-env) and the --trust-cert file.
     */
    AccountChange toChange() throws IOException {
        AccountChange change = new AccountChange(this::option)
                .owner(owner).name(name).host(host).port(port).protocol(protocol).security(security).user(user)
                .password(password()).intervalMinutes(interval).enabled(disabled == null ? null : !disabled)
                .mimeRecipients(mimeRecipients).recipientHeaders(recipientHeaders).envelopeHeaders(envelopeHeaders)
                .routeRecipients(routeRecipients).receivedDate(receivedDate).antispam(antispam).antivirus(antivirus)
                .delete(delete);
        if (trustCert != null) {
            change.trustCertPem(readPem(trustCert));
        }
        if (maxMessageSize != null) {
            change.maxMessageSize(maxMessageSize.equalsIgnoreCase("default") ? null : maxMessageSize);
        }
        if (moveTo != null && noMoveTo) {
            throw new IllegalArgumentException("give either --move-to or --no-move-to, not both");
        }
        if (moveTo != null || noMoveTo) {
            change.moveTo(moveTo);
        }
        return change.folders(folders).markSeen(markSeen).idle(idle);
    }

    /** The option that sets an {@link AccountChange} field. */
    private String option(String field) {
        return switch (field) {
            case "password" -> "the password (--password-stdin or --password-env VAR)";
            case "trustCertPem" -> "--trust-cert " + trustCert;
            case "intervalMinutes" -> "--interval";
            case "enabled" -> "--disabled";
            case "folders" -> "--folder";
            default -> "--" + field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** The new password if one was given, else null. */
    private String password() throws IOException {
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

    private static String readPem(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("--trust-cert " + file + ": " + e.getMessage());
        }
    }
}
