package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.MailAddress;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;

/**
 * Maildirs handed to a mail user (mailfetch.maildir.owner) while mailfetch runs as root: the mail user
 * controls every name inside its Maildir and must not make root write, chmod or chown anything else.
 */
class MaildirSymlinkTest {

    @TempDir
    Path dataDir;
    @TempDir
    Path outside;

    private Pop3Server pop3;
    private GreenMailUser remote;
    private MailfetchFixture fixture;
    private Path victim;
    private Path alice;

    @BeforeEach
    void setUp() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("this test hands Maildirs to the user nobody and needs root (as in CI)");
        }
        Properties p = new Properties();
        p.setProperty("mailfetch.maildir.owner", "nobody");
        pop3 = new Pop3Server();
        remote = pop3.user("lee", "pw");
        fixture = new MailfetchFixture(dataDir, p);
        victim = Files.writeString(outside.resolve("victim"), "root's secret\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        alice = dataDir.resolve("mailboxes/example.com/alice");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    void onlyTheMaildirShouldBeHandedToTheMailUserNotTheDirectoriesAboveIt() throws Exception {
        pop3.deliver(remote, "hello", "body");
        fixture.fetch(fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.NEVER).id());

        assertEquals("root", owner(dataDir.resolve("mailboxes")));
        assertEquals("root", owner(dataDir.resolve("mailboxes/example.com")), "the domain dir holds the Maildir's name");
        for (Path p : List.of(alice, alice.resolve("cur"), alice.resolve("new"), alice.resolve("tmp"),
                single(alice.resolve("new")))) {
            assertEquals("nobody", owner(p), p.toString());
        }
    }

    @Test
    void aLinkPlantedAtTheTmpNameShouldNeitherBeWrittenThroughNorChowned() throws Exception {
        pop3.deliver(remote, "hello", "body");
        Account a = fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.NEVER);
        fixture.fetch(a.id());
        // the base name is deterministic per account and message: learn it, then make the message new again
        Path delivered = single(alice.resolve("new"));
        String baseName = delivered.getFileName().toString().replaceAll(":.*", "");
        Files.delete(delivered);
        fixture.services().db().update("DELETE FROM uidl_ledger WHERE account_id = ?", a.id());
        Files.createSymbolicLink(alice.resolve("tmp").resolve(baseName), victim);

        fixture.fetch(a.id());

        assertEquals("root's secret\n", Files.readString(victim), "nothing written through the link");
        assertEquals("root", owner(victim));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)));
        assertTrue(Files.readString(single(alice.resolve("new"))).contains("Subject: hello"), "delivered all the same");
    }

    @Test
    void aNewDirReplacedByALinkOutsideShouldRefuseTheDeliveryAndKeepTheMessageOnTheServer() throws Exception {
        pop3.deliver(remote, "first", "body");
        Account a = fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.IMMEDIATELY);
        fixture.fetch(a.id());
        // what the mail user can do in its own Maildir
        Files.move(alice.resolve("new"), alice.resolve("new.moved"));
        Files.createSymbolicLink(alice.resolve("new"), outside);
        pop3.deliver(remote, "second", "body");

        SessionSummary s = fixture.fetch(a.id());

        assertNotEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, pop3.remaining(remote), "the message stays on the server");
        assertEquals(List.of(victim), list(outside), "nothing created outside");
        assertEquals("root", owner(outside));
    }

    @Test
    void aTmpDirReplacedByALinkOutsideShouldRefuseTheDeliveryAndLeaveTheOutsideDirectoryUntouched() throws Exception {
        pop3.deliver(remote, "first", "body");
        Account a = fixture.addAccount("lee", pop3.port(), "lee", "pw", DeleteMode.IMMEDIATELY);
        fixture.fetch(a.id());
        Files.move(alice.resolve("tmp"), alice.resolve("tmp.moved"));
        Files.createSymbolicLink(alice.resolve("tmp"), outside);
        pop3.deliver(remote, "second", "body");

        SessionSummary s = fixture.fetch(a.id());

        assertNotEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(1, pop3.remaining(remote), "the message stays on the server");
        assertEquals(List.of(victim), list(outside), "nothing created outside");
        assertEquals("root", owner(outside));
        assertEquals("root", owner(victim));
    }

    @Test
    void aNewDirSwappedForALinkBetweenStagingAndCommitShouldRefuseTheRename() throws Exception {
        MaildirMailbox mailbox = new MaildirMailbox(dataDir.resolve("mailboxes"), MailAddress.parse("alice@example.com"),
                FilePermissions.from(fixture.services().settings()));
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            DeliveryBatch batch = new DeliveryBatch(fsync);
            batch.add(mailbox.stage("swapped", "Subject: x\n\n".getBytes(StandardCharsets.UTF_8),
                    new ByteArrayInputStream(new byte[0]), null));
            Files.move(alice.resolve("new"), alice.resolve("new.moved"));
            Files.createSymbolicLink(alice.resolve("new"), outside);

            IOException refused = assertThrows(IOException.class, batch::commit);

            assertTrue(refused.getMessage().contains("refusing"), refused.getMessage());
            assertEquals(List.of(victim), list(outside), "nothing renamed outside");
            batch.abandon();
        } finally {
            fsync.shutdown();
        }
    }

    @Test
    void theJunkFolderShouldArriveWholeWithItsMarkerAndOwnerAndALinkInItsPlaceShouldBeRefused() throws Exception {
        MaildirMailbox mailbox = new MaildirMailbox(dataDir.resolve("mailboxes"), MailAddress.parse("alice@example.com"),
                FilePermissions.from(fixture.services().settings()));
        ExecutorService fsync = Executors.newSingleThreadExecutor();
        try {
            DeliveryBatch batch = new DeliveryBatch(fsync);
            batch.add(mailbox.stage(MaildirMailbox.JUNK, "spam", "Subject: spam\n\n".getBytes(StandardCharsets.UTF_8), null));
            batch.commit();
            Path junk = alice.resolve(MaildirMailbox.JUNK);
            for (Path p : List.of(junk, junk.resolve("maildirfolder"), junk.resolve("cur"), junk.resolve("tmp"),
                    junk.resolve("new/spam"))) {
                assertEquals("nobody", owner(p), p.toString());
            }

            MaildirMailbox nextSession = new MaildirMailbox(dataDir.resolve("mailboxes"),
                    MailAddress.parse("alice@example.com"), FilePermissions.from(fixture.services().settings()));
            Files.move(junk, alice.resolve("junk.moved"));
            Files.createSymbolicLink(junk, outside);
            IOException refused = assertThrows(IOException.class, () -> nextSession.stage(MaildirMailbox.JUNK, "more",
                    "Subject: more\n\n".getBytes(StandardCharsets.UTF_8), null));
            assertTrue(refused.getMessage().contains("refusing"), refused.getMessage());
            assertEquals(List.of(victim), list(outside), "nothing created outside");
        } finally {
            fsync.shutdown();
        }
    }

    private static String owner(Path p) throws Exception {
        return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
    }

    private static Path single(Path dir) throws Exception {
        List<Path> files = list(dir);
        assertEquals(1, files.size(), dir + ": " + files);
        return files.get(0);
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
