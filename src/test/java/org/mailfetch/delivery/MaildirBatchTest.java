package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.MailAddress;

/**
 * A spooled message staged by a file-to-file copy (its first size bytes, the trace header on top),
 * and a batch whose fsyncs start as files join it and whose files bound for one new/ are renamed in
 * one walk: what ends up in the Maildir, and what an abandoned batch leaves behind.
 */
class MaildirBatchTest {

    @TempDir
    Path dataDir;

    private final ExecutorService fsync = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        fsync.shutdown();
    }

    private Path mailboxes() {
        return dataDir.resolve("mailboxes");
    }

    private MaildirMailbox mailbox(String address) {
        return new MaildirMailbox(mailboxes(), MailAddress.parse(address),
                new FilePermissions("0600", Optional.empty(), Optional.empty()));
    }

    /** A spool file that, like the session's reused ones, holds stale bytes past the message. */
    private FetchedMessage spooled(String name, byte[] message, byte[] stale) throws IOException {
        Path spool = dataDir.resolve(name);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.write(message);
        content.write(stale);
        Files.write(spool, content.toByteArray());
        return new FetchedMessage(null, name, spool, message.length, Instant.EPOCH);
    }

    @Test
    void aSpooledMessageShouldArriveByteForByteBelowItsTraceHeaderWithoutTheSpoolsStaleTail() throws Exception {
        byte[] header = "X-Mailfetch-Account: 1\n".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[300_000]; // more than one chunk of any copy loop, every byte value
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + i / 256);
        }
        FetchedMessage m = spooled("spool-0", body, "STALE BYTES OF AN EARLIER, LONGER MESSAGE".getBytes(StandardCharsets.UTF_8));
        MaildirMailbox alice = mailbox("alice@example.com");
        DeliveryBatch batch = new DeliveryBatch(fsync);

        batch.add(alice.stage(null, "m1", header, m::copyTo, Instant.parse("2020-02-02T00:00:00Z")));
        batch.commit();

        Path delivered = mailboxes().resolve("example.com/alice/new/m1");
        byte[] expected = new byte[header.length + body.length];
        System.arraycopy(header, 0, expected, 0, header.length);
        System.arraycopy(body, 0, expected, header.length, body.length);
        assertArrayEquals(expected, Files.readAllBytes(delivered));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(delivered)));
        assertEquals(Instant.parse("2020-02-02T00:00:00Z"), Files.getLastModifiedTime(delivered).toInstant());
    }

    @Test
    void aSpoolShorterThanItsMessageShouldFailTheStagingAndLeaveNoFile() throws Exception {
        FetchedMessage m = spooled("spool-1", "Subject: cut\n\n".getBytes(StandardCharsets.UTF_8), new byte[0]);
        Files.write(dataDir.resolve("spool-1"), "Subj".getBytes(StandardCharsets.UTF_8)); // the file lost its end
        MaildirMailbox alice = mailbox("alice@example.com");

        IOException e = assertThrows(IOException.class, () -> alice.stage(null, "cut", new byte[0], m::copyTo, null));

        assertTrue(e.getMessage().contains("ends after"), e.getMessage());
        assertEquals(List.of(), list(mailboxes().resolve(MaildirTree.STAGING)), "no partial file staged");
        assertEquals(List.of(), list(mailboxes().resolve("example.com/alice/new")));
    }

    @Test
    void manyFilesForSeveralFoldersAndMailboxesShouldAllBePublishedInOneCommit() throws Exception {
        MaildirMailbox alice = mailbox("alice@example.com");
        MaildirMailbox bob = mailbox("bob@example.com");
        DeliveryBatch batch = new DeliveryBatch(fsync);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = "m" + i;
            names.add(name);
            byte[] message = ("Subject: " + i + "\n\nbody " + i + "\n").getBytes(StandardCharsets.UTF_8);
            // interleaved: alice's inbox, bob's inbox, alice's spam folder
            MaildirMailbox to = i % 3 == 1 ? bob : alice;
            String folder = i % 3 == 2 ? MaildirMailbox.JUNK : null;
            batch.add(to.stage(folder, name, new byte[0], (out, top) -> out.write(new java.nio.ByteBuffer[] {top, java.nio.ByteBuffer.wrap(message)}), null));
        }

        batch.commit();

        for (int i = 0; i < 50; i++) {
            String dir = i % 3 == 0 ? "alice/new" : i % 3 == 1 ? "bob/new" : "alice/" + MaildirMailbox.JUNK + "/new";
            Path file = mailboxes().resolve("example.com/" + dir + "/" + names.get(i));
            assertEquals("Subject: " + i + "\n\nbody " + i + "\n", Files.readString(file), file.toString());
        }
        assertEquals(List.of(), list(mailboxes().resolve(MaildirTree.STAGING)), "nothing left behind in staging");
    }

    @Test
    void anAbandonedBatchShouldLeaveNothingStagedNorDelivered() throws Exception {
        MaildirMailbox alice = mailbox("alice@example.com");
        DeliveryBatch batch = new DeliveryBatch(fsync);
        for (int i = 0; i < 20; i++) {
            batch.add(alice.stage("m" + i, "Subject: x\n\n".getBytes(StandardCharsets.UTF_8),
                    new java.io.ByteArrayInputStream(new byte[0]), null));
        }

        batch.abandon();
        batch.commit(); // an abandoned batch holds nothing more to commit

        assertEquals(List.of(), list(mailboxes().resolve(MaildirTree.STAGING)));
        assertEquals(List.of(), list(mailboxes().resolve("example.com/alice/new")));
        assertFalse(alice.contains("m0"));
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
