package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.MailAddress;

/** The private staging dir under mailboxes/: what is in flight there survives until its commit. */
class MaildirStagingTest {

    @TempDir
    Path dataDir;

    @Test
    void aStagedMessageDatedYearsAgoShouldSurviveTheStagingSweepOfAnotherMailbox() throws Exception {
        Path mailboxes = dataDir.resolve("mailboxes");
        FilePermissions permissions = new FilePermissions("0600", Optional.empty(), Optional.empty());
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            DeliveryBatch batch = new DeliveryBatch(fsync);
            MaildirMailbox alice = new MaildirMailbox(mailboxes, MailAddress.parse("alice@example.com"), permissions);
            // the file's mtime becomes the Received date (Dovecot's INTERNALDATE): far older than a day
            batch.add(alice.stage("old", new byte[0], new ByteArrayInputStream(
                    "Subject: old\n\n".getBytes(StandardCharsets.UTF_8)), Instant.parse("2001-01-01T00:00:00Z")));
            MaildirMailbox bob = new MaildirMailbox(mailboxes, MailAddress.parse("bob@example.com"), permissions);
            batch.add(bob.stage("new", new byte[0], new ByteArrayInputStream(
                    "Subject: new\n\n".getBytes(StandardCharsets.UTF_8)), null));

            batch.commit();

            Path delivered = mailboxes.resolve("example.com/alice/new/old");
            assertEquals("Subject: old\n\n", Files.readString(delivered));
            assertEquals(Instant.parse("2001-01-01T00:00:00Z"), Files.getLastModifiedTime(delivered).toInstant());
            try (var staging = Files.list(mailboxes.resolve(MaildirTree.STAGING))) {
                assertEquals(0, staging.count(), "nothing left behind in staging");
            }
        } finally {
            fsync.shutdown();
        }
    }

    @Test
    void sessionsCreatingTheSameNewMaildirAtOnceShouldAllDeliver() throws Exception {
        // Two accounts delivering to one owner: both find alice's Maildir missing and build it; the
        // rename that loses the race meets a non-empty directory and must use the winner's.
        Path mailboxes = dataDir.resolve("mailboxes");
        FilePermissions permissions = new FilePermissions("0600", Optional.empty(), Optional.empty());
        int sessions = 8;
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 20; round++) {
                String domain = "race" + round + ".example";
                CountDownLatch go = new CountDownLatch(1);
                List<Callable<Void>> deliveries = new ArrayList<>();
                for (int i = 0; i < sessions; i++) {
                    String name = "m" + i;
                    deliveries.add(() -> {
                        MaildirMailbox alice = new MaildirMailbox(mailboxes, MailAddress.parse("alice@" + domain), permissions);
                        go.await();
                        DeliveryBatch batch = new DeliveryBatch(fsync);
                        batch.add(alice.stage(name, new byte[0], new ByteArrayInputStream(
                                ("Subject: " + name + "\n\n").getBytes(StandardCharsets.UTF_8)), null));
                        batch.commit();
                        return null;
                    });
                }
                List<java.util.concurrent.Future<Void>> done = new ArrayList<>();
                deliveries.forEach(d -> done.add(pool.submit(d)));
                go.countDown();
                for (var f : done) {
                    f.get(); // a lost race would throw "Directory not empty" here
                }
                try (var delivered = Files.list(mailboxes.resolve(domain).resolve("alice/new"))) {
                    assertEquals(sessions, delivered.count());
                }
            }
        } finally {
            pool.shutdownNow();
            fsync.shutdown();
        }
    }
}
