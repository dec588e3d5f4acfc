package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.testsupport.FaultProxy;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;

/** Mail in flight in the data dir (spool, outbox, quarantine) is 0600 in 0700 directories, whatever the umask. */
class InFlightFilesTest {

    private static final String FILE = "rw-------";
    private static final String DIR = "rwx------";

    @TempDir
    Path dataDir;

    @Test
    void spoolFilesShouldBePrivateWhileASessionIsDownloading() throws Exception {
        try (Pop3Server pop3 = new Pop3Server(); FaultProxy proxy = new FaultProxy(pop3.port());
             MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            var remote = pop3.user("lee", "pw");
            // over 64 KiB: a smaller message is held in memory, never written to a spool file
            pop3.deliver(remote, "one", "first line\n".repeat(10_000));
            pop3.deliver(remote, "two", "second");
            Account a = fixture.addAccount("lee", proxy.port(), "lee", "pw", DeleteMode.NEVER);
            proxy.stallAt("RETR", 2); // the first message is spooled, the session waits inside the second

            CompletableFuture<SessionSummary> session = CompletableFuture.supplyAsync(() -> {
                try {
                    return fixture.fetch(a.id());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(proxy.awaitFault(Duration.ofSeconds(30)), "the session reached the second RETR");

            Path spool = dataDir.resolve("spool");
            List<Path> files = list(spool.resolve(String.valueOf(a.id())));
            assertFalse(files.isEmpty(), "spool files in flight");
            assertEquals(DIR, mode(spool));
            assertEquals(DIR, mode(spool.resolve(String.valueOf(a.id()))));
            for (Path f : files) {
                assertEquals(FILE, mode(f), f.toString());
            }
            proxy.dropConnections();
            // how the cut session ends is other tests' business: here it only has to end before the data dir goes
            session.handle((summary, error) -> null).get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aQueuedOutboxFileShouldBePrivate() throws Exception {
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            var box = pop3.user("box", "secret");
            fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", 9, false, null, null);
            Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
            RoutedMail.put(box, "routed", "To: yann@partner.example");

            fixture.fetch(a.id());

            OutboxEntry queued = fixture.services().outbox().list().get(0);
            Path file = fixture.services().outbox().file(queued);
            assertTrue(Files.exists(file), file + " queued");
            assertEquals(FILE, mode(file));
            assertEquals(DIR, mode(file.getParent()));
        }
    }

    @Test
    void aQuarantinedFileShouldBePrivateStagedAndCommitted() throws Exception {
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            QuarantineStore store = new QuarantineStore(fixture.services().db(), dataDir,
                    FilePermissions.from(fixture.services().settings()));
            ExecutorService fsync = Executors.newSingleThreadExecutor();
            try {
                DeliveryBatch batch = new DeliveryBatch(fsync);
                DeliveryBatch.Staged staged = store.stage("held", "X-Test: 1\n".getBytes(StandardCharsets.UTF_8),
                        new ByteArrayInputStream("Subject: held\n\nbody\n".getBytes(StandardCharsets.UTF_8)));
                batch.add(staged);
                assertEquals(FILE, mode(staged.tmp()), "staged");
                assertEquals(DIR, mode(staged.tmp().getParent()));
                assertEquals(DIR, mode(store.dir()));

                batch.commit();

                assertEquals(FILE, mode(store.dir().resolve("held")), "committed");
            } finally {
                fsync.shutdown();
            }
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
