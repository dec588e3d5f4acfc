package org.mailfetch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.net.SocketFactory;
import org.mailfetch.testsupport.Dovecot;

/**
 * Prints the baselines on this machine: raw POP3 reads from a private Dovecot and raw durable
 * Maildir writes. Run as root after {@code mvn test-compile}:
 * {@code java -cp target/test-classes org.mailfetch.bench.Pop3Bench [DIR-ON-THE-DISK-UNDER-TEST]}.
 */
public final class Pop3Bench {

    private static final String PASSWORD = "bench";

    private Pop3Bench() {
    }

    public static void main(String[] args) throws Exception {
        // durable writes must hit the disk that mailfetch would use, not a tmpfs
        Path writeParent = Path.of(args.length > 0 ? args[0] : "target");
        try (Dovecot dovecot = Dovecot.start()) {
            dovecot.addUser("small", PASSWORD);
            dovecot.addUser("large", PASSWORD);
            BenchMailbox.Filled small = BenchMailbox.fillSmall(dovecot, "small");
            BenchMailbox.Filled large = BenchMailbox.fillLarge(dovecot, "large");
            System.out.printf("mailboxes: %d x 4 KB (%d bytes), %d x 1 MB (%d bytes)%n",
                    small.messages(), small.bytes(), large.messages(), large.bytes());

            SocketFactory plain = SocketFactory.getDefault();
            SocketFactory tls = dovecot.clientSslContext().getSocketFactory();
            // the first pass also lets Dovecot index the fresh Maildirs; it is not reported
            RawPop3Client.fetchAll(plain, dovecot.host(), dovecot.pop3Port(), "small", PASSWORD);
            RawPop3Client.fetchAll(plain, dovecot.host(), dovecot.pop3Port(), "large", PASSWORD);
            report("raw POP3 4 KB plain", RawPop3Client.fetchAll(plain, dovecot.host(), dovecot.pop3Port(), "small", PASSWORD));
            report("raw POP3 1 MB plain", RawPop3Client.fetchAll(plain, dovecot.host(), dovecot.pop3Port(), "large", PASSWORD));
            report("raw POP3 1 MB TLS", RawPop3Client.fetchAll(tls, dovecot.host(), dovecot.pop3sPort(), "large", PASSWORD));
        }

        Files.createDirectories(writeParent);
        Path maildir = Files.createTempDirectory(writeParent, "rawbench-");
        try {
            byte[] content = BenchMailbox.message(0, BenchMailbox.SMALL_SIZE, "small@example.org");
            for (int batch : new int[] {1, 500}) {
                RawDurableWrite.Result result = RawDurableWrite.write(maildir, BenchMailbox.SMALL_COUNT, content, batch);
                System.out.printf("raw durable write 4 KB, dir fsync per %d: %.0f files/s%n", batch, result.filesPerSecond());
            }
        } finally {
            try (Stream<Path> files = Files.walk(maildir)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    private static void report(String label, RawPop3Client.Result result) {
        System.out.printf("%s: %d messages, %.0f msg/s, %.1f MB/s%n",
                label, result.messages(), result.messagesPerSecond(), result.megabytesPerSecond());
    }
}
