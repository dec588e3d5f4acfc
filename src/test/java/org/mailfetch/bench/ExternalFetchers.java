package org.mailfetch.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The other fetchers the benchmark compares with, each run as its user would run it, as one
 * process on a filled POP3 mailbox that it empties (they delete what they fetched, as mailfetch
 * does with its default delete mode): fetchmail delivering over LMTP into Dovecot (no MDA, one LMTP
 * connection for the session; Dovecot's own {@code mail_fsync = optimized}), and getmail6 into a
 * Maildir (it fsyncs each file, links it into {@code new/} and unlinks it from {@code tmp/}, but
 * never fsyncs the directory, so its deliveries are not durable against a crash; it forks one
 * child per message). The measured time is the process's wall time, startup included.
 */
final class ExternalFetchers {

    /**
     * getmail's socket timeout, which is also how long it waits for a delivery child: getmail6 can
     * miss a child's exit (github.com/getmail6/getmail6 issues 52, 226) and then gives up after it.
     */
    static final Duration GETMAIL_TIMEOUT = Duration.ofSeconds(20);

    private ExternalFetchers() {
    }

    /** The program's path on PATH, if installed. */
    static Optional<Path> executable(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code fetchmail} once over plain POP3 from {@code user}'s mailbox, delivering every message
     * over LMTP (Dovecot at {@code lmtpPort}) to {@code recipient}; {@code nokeep fetchall}, no
     * STARTTLS (the server is on loopback, as for the raw client).
     */
    static Duration fetchmailToLmtp(Path fetchmail, Path work, String host, int pop3Port, String user,
                                    String password, int lmtpPort, String recipient) throws IOException {
        Path rc = work.resolve("fetchmailrc");
        Files.writeString(rc, """
                set no syslog
                set no bouncemail
                poll %s service %d protocol POP3 auth password
                  user "%s" there with password "%s" is "root" here
                  smtphost "%s/%d" lmtp smtpname "%s"
                  nokeep fetchall sslproto ""
                """.formatted(host, pop3Port, user, password, host, lmtpPort, recipient), StandardCharsets.US_ASCII);
        // fetchmail refuses a run control file that others may read
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        return run(work, List.of(fetchmail.toString(), "-f", rc.toString(), "-N", "-d0", "--nosyslog", "--silent",
                "--idfile", work.resolve("fetchids").toString(), "--pidfile", work.resolve("fetchmail.pid").toString()),
                code -> code == 0);
    }

    /**
     * {@code getmail} once over plain POP3 from {@code user}'s mailbox into the Maildir
     * {@code maildir} (which must exist, owned by {@code deliverAs}: getmail refuses to deliver as
     * root and switches to that user for each delivery), {@code delete = true}.
     */
    static Duration getmailToMaildir(Path getmail, Path work, String host, int pop3Port, String user, String password,
                                     Path maildir, String deliverAs) throws IOException {
        Path rc = work.resolve("getmailrc");
        Files.writeString(rc, """
                [retriever]
                type = SimplePOP3Retriever
                server = %s
                port = %d
                username = %s
                password = %s
                timeout = %d

                [destination]
                type = Maildir
                path = %s/
                user = %s

                [options]
                delete = true
                read_all = true
                verbose = 0
                message_log_syslog = false
                """.formatted(host, pop3Port, user, password, GETMAIL_TIMEOUT.toSeconds(), maildir, deliverAs), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        return run(work, List.of(getmail.toString(), "--rcfile=" + rc, "--getmaildir=" + work), code -> code == 0);
    }

    private static Duration run(Path work, List<String> command, java.util.function.IntPredicate ok)
            throws IOException {
        Path output = work.resolve("output.txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("HOME", work.toString());
        builder.environment().put("FETCHMAILHOME", work.toString());
        long started = System.nanoTime();
        Process process = builder.start();
        int code;
        try {
            code = process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        if (!ok.test(code)) {
            throw new IOException(command.get(0) + " exited with " + code + ":\n" + Files.readString(output));
        }
        return elapsed;
    }

    /** Makes {@code dir} (and what is in it) belong to {@code user}. */
    static void chown(Path dir, String user) throws IOException {
        try {
            Process p = new ProcessBuilder("chown", "-R", user + ":", dir.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException("chown " + user + " " + dir + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
