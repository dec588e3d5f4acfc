package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
import org.mailfetch.mail.FetchedMessage;
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

    @Test
    void aLeftoverUnderTheStagingNameShouldBeReplacedAndALinkThereNotFollowed() throws Exception {
        // an attempt that died after staging leaves its file; the next attempt stages the same name
        Path mailboxes = dataDir.resolve("mailboxes");
        FilePermissions permissions = new FilePermissions("0600", Optional.empty(), Optional.empty());
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            MaildirMailbox alice = new MaildirMailbox(mailboxes, MailAddress.parse("alice@example.com"), permissions);
            alice.stage("m1", new byte[0], new ByteArrayInputStream(
                    "Subject: long leftover\n\nmore than the next attempt writes\n".getBytes(StandardCharsets.UTF_8)), null);
            alice.stage("m2", new byte[0], new ByteArrayInputStream(new byte[0]), null);
            Path victim = dataDir.resolve("victim");
            Files.writeString(victim, "not mail");
            Path m2 = new MaildirTree(mailboxes, permissions).stagingFile(mailboxes.resolve("example.com/alice/new/m2"));
            Files.delete(m2);
            Files.createSymbolicLink(m2, victim);

            DeliveryBatch batch = new DeliveryBatch(fsync);
            MaildirMailbox again = new MaildirMailbox(mailboxes, MailAddress.parse("alice@example.com"), permissions);
            batch.add(again.stage("m1", new byte[0], new ByteArrayInputStream("Subject: m1\n\n".getBytes(StandardCharsets.UTF_8)), null));
            batch.add(again.stage("m2", new byte[0], new ByteArrayInputStream("Subject: m2\n\n".getBytes(StandardCharsets.UTF_8)), null));
            batch.commit();

            assertEquals("Subject: m1\n\n", Files.readString(mailboxes.resolve("example.com/alice/new/m1")), "no stale tail");
            Path delivered = mailboxes.resolve("example.com/alice/new/m2");
            assertEquals("Subject: m2\n\n", Files.readString(delivered));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(delivered, LinkOption.NOFOLLOW_LINKS)));
            assertEquals("not mail", Files.readString(victim), "the link's target untouched");
            try (var staging = Files.list(mailboxes.resolve(MaildirTree.STAGING))) {
                assertEquals(0, staging.count(), "nothing left behind in staging");
            }
        } finally {
            fsync.shutdown();
        }
    }

    @Test
    void aSpooledMessageShouldBeCopiedOutOfTheSessionsChannelOrItsFileOnceTheChannelIsClosed() throws Exception {
        // the spool file is reused: bytes past the message's size belong to an earlier, longer message
        Path spool = dataDir.resolve("spool-0");
        Files.writeString(spool, "Subject: short\n\nbody\nSTALE BYTES OF A LONGER MESSAGE BEFORE\n");
        int size = "Subject: short\n\nbody\n".length();
        Path mailboxes = dataDir.resolve("mailboxes");
        FilePermissions permissions = new FilePermissions("0600", Optional.empty(), Optional.empty());
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try (FileChannel session = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            session.position(7); // where the session's channel stands must not matter
            FetchedMessage message = new FetchedMessage(null, "u1", spool, size, Instant.EPOCH);
            message.spoolChannel(session);
            MaildirMailbox alice = new MaildirMailbox(mailboxes, MailAddress.parse("alice@example.com"), permissions);
            DeliveryBatch batch = new DeliveryBatch(fsync);
            batch.add(alice.stage(null, "open", "X-Top: 1\n".getBytes(StandardCharsets.UTF_8), message::copyTo, null));
            assertEquals(7, session.position());
            session.close();
            batch.add(alice.stage(null, "closed", "X-Top: 2\n".getBytes(StandardCharsets.UTF_8), message::copyTo, null));
            batch.commit();

            assertEquals("X-Top: 1\nSubject: short\n\nbody\n", Files.readString(mailboxes.resolve("example.com/alice/new/open")));
            assertEquals("X-Top: 2\nSubject: short\n\nbody\n", Files.readString(mailboxes.resolve("example.com/alice/new/closed")));
        } finally {
            fsync.shutdown();
        }
    }
}
