package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.MailAddress;

/**
 * DeliveryBatch hands the fsyncs of its files to the pool {@link DeliveryBatch#FSYNC_GROUP} at a time.
 * A group the pool refused (shut down, no thread to be had) must not be forgotten: the files of that
 * group are renamed into new/ only after an fsync of them ran, or the commit fails.
 */
class FsyncGroupRejectedTest {

    @TempDir
    Path dataDir;

    /** Runs each task at once, on the caller's thread; refuses the first {@code refusals} tasks. */
    private static final class RefusingPool extends AbstractExecutorService {
        int refusals;
        int ran;

        RefusingPool(int refusals) {
            this.refusals = refusals;
        }

        @Override
        public void execute(Runnable task) {
            if (refusals > 0) {
                refusals--;
                throw new RejectedExecutionException("refused for the test");
            }
            ran++;
            task.run();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    @Test
    void aGroupWhoseFsyncThePoolRefusedShouldBeSyncedBeforeItsFilesArePublished() throws Exception {
        Path mailboxes = dataDir.resolve("mailboxes");
        MaildirMailbox alice = new MaildirMailbox(mailboxes, MailAddress.parse("alice@example.com"),
                new FilePermissions("0600", Optional.empty(), Optional.empty()));
        RefusingPool pool = new RefusingPool(1);
        DeliveryBatch batch = new DeliveryBatch(pool);
        for (int i = 1; i < DeliveryBatch.FSYNC_GROUP; i++) {
            batch.add(alice.stage("m" + i, new byte[0], new ByteArrayInputStream(("Subject: " + i + "\n\n").getBytes(StandardCharsets.UTF_8)), null));
        }
        // the file that fills the group: the pool refuses the group's fsync (the caller sees the failure)
        DeliveryBatch.Staged last = alice.stage("m" + DeliveryBatch.FSYNC_GROUP, new byte[0],
                new ByteArrayInputStream("Subject: last\n\n".getBytes(StandardCharsets.UTF_8)), null);
        assertThrows(RejectedExecutionException.class, () -> batch.add(last));
        assertEquals(0, pool.ran);

        // the session commits what its batch holds (as FetchSession.finish does after a failed step)
        batch.commit();

        assertTrue(Files.exists(mailboxes.resolve("example.com/alice/new/m1")), "the batch was committed");
        assertTrue(pool.ran >= 1, "the files of the refused group were renamed into new/ without any fsync of them");
    }
}
