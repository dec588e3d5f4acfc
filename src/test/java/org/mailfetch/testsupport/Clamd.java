package org.mailfetch.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A private ClamAV clamd (Debian 12 package clamav-daemon) for integration tests: TCP on a free
 * 127.0.0.1 port and a Unix socket, both in its own temporary directory with its own clamd.conf.
 * There is no internet for signature updates, so its only database is a generated {@code .ndb}
 * body signature for the EICAR test string; clamd reports it as {@value #SIGNATURE}. With so small
 * a database it starts in well under a second.
 */
public final class Clamd extends PrivateDaemon {

    /** The EICAR anti-virus test string, assembled here so that this source file does not itself match. */
    public static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    /** What clamd answers for {@link #EICAR}: a custom database's name gets the .UNOFFICIAL suffix. */
    public static final String SIGNATURE = "Mailfetch-Test-Eicar.UNOFFICIAL";

    private static final Path CLAMD = Path.of("/usr/sbin/clamd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final String streamMaxLength;
    private int port;

    private Clamd(String streamMaxLength) throws IOException {
        super("clamd");
        this.streamMaxLength = streamMaxLength;
    }

    public static Clamd start() throws IOException {
        return start("25M");
    }

    /** {@code streamMaxLength} in clamd.conf syntax, e.g. 25M. */
    public static Clamd start(String streamMaxLength) throws IOException {
        requireExecutable(CLAMD, "clamav-daemon");
        Clamd clamd = new Clamd(streamMaxLength);
        try {
            Path db = Files.createDirectory(clamd.root.resolve("db"));
            Files.writeString(db.resolve("mailfetch-test.ndb"), "Mailfetch-Test-Eicar:0:*:"
                    + HexFormat.of().formatHex(EICAR.getBytes(StandardCharsets.US_ASCII)) + "\n");
            clamd.launch();
            return clamd;
        } catch (IOException | RuntimeException e) {
            clamd.close();
            throw e;
        }
    }

    /** (Re)starts clamd on a new free port (the Unix socket path stays). */
    public void launch() throws IOException {
        port = freePort();
        Files.deleteIfExists(socket());
        Path conf = root.resolve("clamd.conf");
        Files.writeString(conf, String.join("\n",
                "Foreground yes",
                "DatabaseDirectory " + root.resolve("db"),
                "TCPAddr " + HOST,
                "TCPSocket " + port,
                "LocalSocket " + socket(),
                "PidFile " + root.resolve("clamd.pid"),
                "LogFile " + root.resolve("clamd.log"),
                "StreamMaxLength " + streamMaxLength,
                "SelfCheck 0",
                "") );
        launch(List.of(CLAMD.toString(), "--config-file=" + conf));
        await(START_TIMEOUT, () -> {
            String pong = ask(port, "zPING\0".getBytes(StandardCharsets.US_ASCII), 0);
            return "PONG".equals(pong) && Files.exists(socket());
        });
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public Path socket() {
        return root.resolve("clamd.sock");
    }

    public String log() {
        return read(root.resolve("clamd.log"));
    }
}
