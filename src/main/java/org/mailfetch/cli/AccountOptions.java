package org.mailfetch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.mailfetch.account.OAuth2Options;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AdminInput;
import org.mailfetch.store.InvalidValue;
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
    @Option(names = "--oauth2", paramLabel = "gmail|microsoft|issuer:URL", description = "Sign in with OAuth2 instead of"
            + " a password (then: account authorize ID); with gmail or microsoft --host may be left out") String oauth2;
    @Option(names = "--oauth2-client-id", paramLabel = "ID", description = "OAuth2: the client id, overriding"
            + " mailfetch.oauth2.<provider>.client-id; \"\" goes back to it") String oauth2ClientId;
    @Option(names = "--oauth2-client-secret-env", paramLabel = "VAR", description = "OAuth2: read the client secret from"
            + " this environment variable (overrides mailfetch.oauth2.<provider>.client-secret)") String oauth2ClientSecretEnv;
    @Option(names = "--oauth2-client-secret-stdin", description = "OAuth2: read the client secret from standard input")
    boolean oauth2ClientSecretStdin;
    @Option(names = "--oauth2-scope", paramLabel = "\"S ...\"", description = "OAuth2: the scopes, space-separated,"
            + " overriding the provider's; \"\" goes back to them") String oauth2Scope;
    @Option(names = "--oauth2-tenant", paramLabel = "T", description = "OAuth2, microsoft: the tenant (directory id or"
            + " domain; default common); \"\" goes back to it") String oauth2Tenant;

    /**
     * The options as an account change: names an option as the user typed it (--interval), reads
     * the password (--password-stdin, --password-env) and the --trust-cert file.
     */
    AccountChange toChange() throws IOException {
        refuseMixedSignIn(); // before anything is read from standard input
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
        change.folders(folders).markSeen(markSeen).idle(idle);
        return oauth2(change);
    }

    /**
     * A password and --oauth2 together are refused (an account keeps one or the other), as are two
     * options that both read standard input, and a provider that is none.
     */
    private void refuseMixedSignIn() {
        boolean password = passwordStdin || passwordEnv != null;
        if (oauth2 != null && password) {
            throw new IllegalArgumentException("give either --oauth2 or a password (--password-stdin, --password-env),"
                    + " not both: an account signs in with one or the other");
        }
        if (oauth2ClientSecretStdin && passwordStdin) {
            throw new IllegalArgumentException("--password-stdin and --oauth2-client-secret-stdin cannot both read"
                    + " standard input");
        }
        if (oauth2 != null) {
            try {
                new OAuth2Options(oauth2, null, null, null);
            } catch (IllegalArgumentException e) {
                throw new InvalidValue("--oauth2", "--oauth2: " + e.getMessage());
            }
        }
    }

    /** The OAuth2 options onto the change; the client secret read as a password is. */
    private AccountChange oauth2(AccountChange change) throws IOException {
        return change.oauth2(oauth2).oauth2ClientId(oauth2ClientId)
                .oauth2ClientSecret(secret("the OAuth2 client secret", "--oauth2-client-secret-stdin",
                        oauth2ClientSecretStdin, "--oauth2-client-secret-env", oauth2ClientSecretEnv))
                .oauth2Scope(oauth2Scope).oauth2Tenant(oauth2Tenant);
    }

    /** The option that sets an {@link AccountChange} field. */
    private String option(String field) {
        return switch (field) {
            case "password" -> "the password (--password-stdin or --password-env VAR)";
            case "trustCertPem" -> "--trust-cert " + trustCert;
            case "intervalMinutes" -> "--interval";
            case "enabled" -> "--disabled";
            case "folders" -> "--folder";
            case "oauth2ClientSecret" -> "the client secret (--oauth2-client-secret-stdin or --oauth2-client-secret-env VAR)";
            default -> "--" + field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** The new password if one was given, else null. */
    private String password() throws IOException {
        return secret("the password", "--password-stdin", passwordStdin, "--password-env", passwordEnv);
    }

    /** A secret read from standard input or an environment variable (never the command line), else null. */
    private static String secret(String what, String stdinOption, boolean stdin, String envOption, String env)
            throws IOException {
        if (stdin && env != null) {
            throw new IllegalArgumentException("give either " + stdinOption + " or " + envOption + ", not both");
        }
        if (env != null) {
            String value = System.getenv(env);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("environment variable " + env + " is not set");
            }
            return AdminInput.text(what + " in " + env, value);
        }
        if (stdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new IllegalArgumentException(stdinOption + ": no " + what.replaceFirst("^the ", "")
                        + " on standard input");
            }
            return AdminInput.text(what + " on standard input", line);
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
