package org.mailfetch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.config.Settings;
import org.mailfetch.delivery.OutboxEntry;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;

/** mailfetch.maildir.root and mailfetch.spool.root: used for delivery, recorded, and equal on every node. */
class SharedRootsTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path shared;

    private static Properties roots(Path maildirRoot, Path spoolRoot) {
        Properties p = new Properties();
        p.setProperty(Settings.MAILDIR_ROOT, maildirRoot.toString());
        p.setProperty(Settings.SPOOL_ROOT, spoolRoot.toString());
        return p;
    }

    private static Map<String, String> recorded(MailfetchFixture f) {
        return f.services().db().query("SELECT setting_name, setting_value FROM cluster_setting",
                rs -> Map.entry(rs.getString(1), rs.getString(2))).stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void theEmbeddedDatabaseShouldRecordTheDefaultsAsTheDataDirsOwnSoTheyMoveWithIt() {
        try (MailfetchFixture f = new MailfetchFixture(dataDir)) {
            assertEquals(Map.of(Settings.MAILDIR_ROOT, "<data-dir>/mailboxes", Settings.SPOOL_ROOT, "<data-dir>"),
                    recorded(f));
            assertEquals(dataDir.toAbsolutePath().normalize().resolve("mailboxes"), f.services().settings().maildirRoot());
        }
    }

    @Test
    void mailShouldBeDeliveredAndQueuedUnderTheConfiguredRoots() throws Exception {
        Path mailboxes = shared.resolve("mailboxes");
        Path spool = shared.resolve("spool");
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture f = new MailfetchFixture(dataDir, roots(mailboxes, spool))) {
            var box = pop3.user("box", "secret");
            f.services().smtpRoutes().add("partner.example", "127.0.0.1", 9, false, null, null);
            Account a = RoutedMail.catchAllAccount(f, pop3.port(), true);
            RoutedMail.put(box, "local one", "To: alice@example.com");
            RoutedMail.put(box, "routed one", "To: yann@partner.example");

            SessionSummary s = f.fetch(a.id());

            assertEquals(SessionSummary.Result.OK, s.result(), s.line());
            assertEquals(1, files(mailboxes.resolve("example.com/alice/new")).size(), "delivered under the Maildir root");
            assertFalse(Files.exists(dataDir.resolve("mailboxes")), "nothing under the data dir's default");
            OutboxEntry queued = f.services().outbox().list().get(0);
            assertEquals(spool.resolve("outbox").resolve(queued.fileName()), f.services().outbox().file(queued));
            assertTrue(Files.exists(spool.resolve("outbox").resolve(queued.fileName())), "queued under the spool root");
            assertFalse(Files.exists(dataDir.resolve("outbox")));
            assertEquals(Map.of(Settings.MAILDIR_ROOT, mailboxes.toString(), Settings.SPOOL_ROOT, spool.toString()),
                    recorded(f));
        }
    }

    @Test
    void aNodeWithAnotherMaildirRootShouldRefuseToStartNamingBothValues() {
        Path first = shared.resolve("first");
        Path second = shared.resolve("second");
        new MailfetchFixture(dataDir, roots(first, shared)).close();

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new MailfetchFixture(dataDir, roots(second, shared)));
        assertTrue(refused.getMessage().contains(Settings.MAILDIR_ROOT), refused.getMessage());
        assertTrue(refused.getMessage().contains(first.toString()), refused.getMessage());
        assertTrue(refused.getMessage().contains(second.toString()), refused.getMessage());

        Properties defaultRoot = roots(first, shared);
        defaultRoot.remove(Settings.MAILDIR_ROOT);
        IllegalStateException unset = assertThrows(IllegalStateException.class,
                () -> new MailfetchFixture(dataDir, defaultRoot));
        assertTrue(unset.getMessage().contains("<data-dir>/mailboxes"), "back to the default is a change too: "
                + unset.getMessage());

        // the documented move: every node stopped, the files moved, one start naming the old value
        Properties moved = roots(second, shared);
        moved.setProperty(Settings.MAILDIR_ROOT + "-moved-from", first.toString());
        try (MailfetchFixture f = new MailfetchFixture(dataDir, moved)) {
            assertEquals(second.toString(), recorded(f).get(Settings.MAILDIR_ROOT));
        }
        new MailfetchFixture(dataDir, roots(second, shared)).close(); // the other nodes, with the new value alone
        assertThrows(IllegalStateException.class, () -> new MailfetchFixture(dataDir, roots(first, shared)));
    }

    @Test
    void aSharedDatabaseShouldRequireBothRootsSetExplicitlyAsAbsolutePaths() {
        try (MailfetchFixture f = new MailfetchFixture(dataDir)) {
            Node node = new Node("node-b", 2);
            Properties p = MailfetchFixture.settings(dataDir, new Properties());
            p.setProperty(Settings.DB_URL, "jdbc:postgresql://db:5432/mailfetch");
            IllegalStateException noRoot = assertThrows(IllegalStateException.class,
                    () -> SharedRoots.check(Settings.of(p), f.services().db(), node, Clock.systemUTC()));
            assertTrue(noRoot.getMessage().contains(Settings.MAILDIR_ROOT + " must be set"), noRoot.getMessage());

            p.setProperty(Settings.MAILDIR_ROOT, "mailboxes");
            IllegalStateException relative = assertThrows(IllegalStateException.class,
                    () -> SharedRoots.check(Settings.of(p), f.services().db(), node, Clock.systemUTC()));
            assertTrue(relative.getMessage().contains("absolute"), relative.getMessage());

            p.setProperty(Settings.MAILDIR_ROOT, shared.resolve("mailboxes").toString());
            IllegalStateException noSpool = assertThrows(IllegalStateException.class,
                    () -> SharedRoots.check(Settings.of(p), f.services().db(), node, Clock.systemUTC()));
            assertTrue(noSpool.getMessage().contains(Settings.SPOOL_ROOT + " must be set"), noSpool.getMessage());
        }
    }

    @Test
    void aDisabledAccountsDownloadNowShouldRecordTheNodeThatRanIt() throws Exception {
        Properties p = new Properties();
        p.setProperty(Node.NAME, "mx-2.example_node");
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture f = new MailfetchFixture(dataDir, p)) {
            var user = pop3.user("max", "pw");
            pop3.deliver(user);
            Account a = f.addAccount("max", pop3.port(), "max", "pw", DeleteMode.NEVER);
            f.fetch(a.id());
            assertEquals("mx-2.example_node", f.services().status().get(a.id()).lastNode());
        }
    }
}
