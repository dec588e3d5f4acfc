package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private SpamAssassin spamd (Debian 12 packages spamassassin and spamd) for integration tests:
 * 127.0.0.1 on a free port, local tests only ({@code -L}: no DNS or network checks), no per-user
 * configuration, no Bayes, its own site configuration (the packaged {@code .pre} plugin lists and
 * a private {@code local.cf}) and pid file in a temporary directory. As root it runs its children
 * as {@value #SPAMD_USER}. Rule loading takes a few seconds: start one per test class.
 */
public final class Spamd extends PrivateDaemon {

    /** SpamAssassin's GTUBE test string: scores about 1000. */
    public static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private static final Path SPAMD = Path.of("/usr/sbin/spamd");
    private static final Path SITE_CONFIG = Path.of("/etc/spamassassin");
    private static final String SPAMD_USER = "debian-spamd";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private int port;

    private Spamd() throws IOException {
        super("spamd");
    }

    public static Spamd start() throws IOException {
        requireExecutable(SPAMD, "spamassassin spamd");
        Spamd spamd = new Spamd();
        try {
            spamd.prepare();
            spamd.launch();
            return spamd;
        } catch (IOException | RuntimeException e) {
            spamd.close();
            throw e;
        }
    }

    private void prepare() throws IOException {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path site = Files.createDirectory(root.resolve("site"));
        // the .pre files load the plugins (Check among them) that every rule needs
        try (DirectoryStream<Path> pres = Files.newDirectoryStream(SITE_CONFIG, "*.pre")) {
            for (Path pre : pres) {
                Files.copy(pre, site.resolve(pre.getFileName()));
            }
        }
        Files.writeString(site.resolve("local.cf"), "use_bayes 0\nbayes_auto_learn 0\n");
        Files.createDirectory(root.resolve("home"));
    }

    /** (Re)starts spamd on a new free port. */
    public void launch() throws IOException {
        port = freePort();
        List<String> command = new ArrayList<>(List.of(SPAMD.toString(), "-L", "-x",
                "--listen=" + HOST + ":" + port, "--allowed-ips=127.0.0.1",
                "--siteconfigpath=" + root.resolve("site"), "--helper-home-dir=" + root.resolve("home"),
                "--pidfile=" + root.resolve("spamd.pid"), "--syslog=stderr",
                "--max-children=2", "--min-children=1", "--min-spare=1", "--max-spare=2"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add(1, "--username=" + SPAMD_USER);
        }
        launch(command);
        await(START_TIMEOUT, () -> {
            String pong = ask(port, "PING SPAMC/1.5\r\n\r\n".getBytes(StandardCharsets.US_ASCII), -1);
            return pong != null && pong.contains("PONG");
        });
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String log() {
        return read(outputFile());
    }
}
