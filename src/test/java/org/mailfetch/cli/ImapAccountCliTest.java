package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.Flags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.testsupport.CliCapture;
import org.mailfetch.testsupport.ImapServer;

/**
 * IMAP accounts on the command line: `account add|update --protocol imap` with their ports, folders,
 * move-to, mark-seen and idle (and the --no- forms), what show, --json and list print, the errors
 * naming their option, switching protocol both ways, and an account added here fetched end to end
 * from GreenMail IMAP by `account fetch`.
 */
class ImapAccountCliTest {

    private static final String PASSWORD = "imap-s3cret-Pw";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final InputStream realIn = System.in;
    private CliCapture.Result last;

    @BeforeEach
    void setUp() {
        System.setProperty("mailfetch.fetch.min-free-disk", "1MiB");
        assertEquals(0, run("domain", "add", "example.com"));
        assertEquals(0, run("mailbox", "add", "alice@example.com"));
    }

    @AfterEach
    void tearDown() {
        System.setIn(realIn);
        System.clearProperty("mailfetch.fetch.min-free-disk");
    }

    @Test
    void anImapAccountShouldTakeItsPortAndDefaultsAndShowThem() throws Exception {
        String id = add("--name", "imap", "--host", "imap.example.net", "--protocol", "imap");
        JsonNode a = show(id);
        assertEquals("imap", a.get("protocol").asText());
        assertEquals(993, a.get("port").asInt(), "ssl");
        assertEquals("[\"INBOX\"]", a.get("folders").toString());
        assertTrue(a.get("moveTo").isNull());
        assertFalse(a.get("markSeen").asBoolean());
        assertFalse(a.get("idle").asBoolean());
        assertFalse(a.get("idleLive").asBoolean(), "no IDLE connection in the CLI");

        String starttls = add("--name", "tls", "--host", "imap.example.net", "--protocol", "imap", "--security", "starttls");
        assertEquals(143, show(starttls).get("port").asInt());

        assertEquals(0, run("account", "show", id));
        String shown = out();
        assertTrue(shown.contains("protocol: imap\n") && shown.contains("folders: INBOX\n") && shown.contains("moveTo: \n")
                && shown.contains("markSeen: false\n") && shown.contains("idle: false\n"), shown);
    }

    @Test
    void everyImapOptionShouldBeSetAndClearedWithItsNoForm() throws Exception {
        String id = add("--name", "imap", "--host", "imap.example.net", "--protocol", "imap", "--folder", "INBOX",
                "--folder", "Lists/rust, dev", "--delete", "immediately", "--move-to", "Archive", "--mark-seen", "--idle");
        JsonNode a = show(id);
        assertEquals("[\"INBOX\",\"Lists/rust, dev\"]", a.get("folders").toString(), "a name may hold a comma");
        assertEquals("Archive", a.get("moveTo").asText());
        assertTrue(a.get("markSeen").asBoolean() && a.get("idle").asBoolean());

        assertEquals(0, run("account", "list"), err());
        String line = out().trim();
        assertTrue(line.contains("\timap\talice@imap.example.net:993\t"), line);
        assertTrue(line.endsWith("\tfolders=INBOX,Lists/rust, dev move-to=Archive mark-seen idle"), line);

        assertEquals(0, run("account", "update", id, "--no-move-to", "--no-mark-seen", "--no-idle"), err());
        JsonNode off = show(id);
        assertTrue(off.get("moveTo").isNull());
        assertFalse(off.get("markSeen").asBoolean() || off.get("idle").asBoolean());
        assertEquals("[\"INBOX\",\"Lists/rust, dev\"]", off.get("folders").toString(), "not given: kept");

        assertEquals(0, run("account", "update", id, "--folder", "Sent", "--interval", "9"), err());
        JsonNode folders = show(id);
        assertEquals("[\"Sent\"]", folders.get("folders").toString(), "the folders given replace the list");
        assertEquals(9, folders.get("intervalMinutes").asInt());
        assertEquals(993, folders.get("port").asInt());
    }

    @Test
    void imapOptionsShouldBeRefusedNamingTheOption() throws Exception {
        assertEquals(2, addExit("--name", "p", "--host", "pop.example.net", "--folder", "INBOX"));
        assertTrue(err().contains("--folder is only for IMAP accounts (--protocol imap)"), err());
        assertEquals(2, addExit("--name", "p", "--host", "pop.example.net", "--mark-seen"));
        assertTrue(err().contains("--mark-seen is only for IMAP accounts"), err());
        assertEquals(2, addExit("--name", "p", "--host", "pop.example.net", "--protocol", "smtp"));
        assertTrue(err().contains("--protocol must be pop3 or imap, got 'smtp'"), err());
        assertEquals(2, addExit("--name", "i", "--host", "imap.example.net", "--protocol", "imap", "--move-to", "Done"));
        assertTrue(err().contains("--move-to moves messages when they are due: give --delete immediately or after-days:N"),
                err());
        assertEquals(2, addExit("--name", "i", "--host", "imap.example.net", "--protocol", "imap", "--delete", "immediately",
                "--move-to", "INBOX"));
        assertTrue(err().contains("--move-to: the move-to folder INBOX is one of the fetched folders"), err());
        assertEquals(2, addExit("--name", "i", "--host", "imap.example.net", "--protocol", "imap",
                "--folder", "A", "--folder", "A"));
        assertTrue(err().contains("--folder: a folder is named twice"), err());
        assertEquals(2, addExit("--name", "i", "--host", "imap.example.net", "--protocol", "imap", "--folder", "IN\rBOX"));
        assertTrue(err().contains("--folder must not contain control characters"), err());
        assertEquals(2, addExit("--name", "i", "--host", "imap.example.net", "--protocol", "imap",
                "--move-to", "Done", "--no-move-to"));
        assertTrue(err().contains("either --move-to or --no-move-to"), err());
        assertEquals(0, run("account", "list"));
        assertEquals("", out(), "nothing stored");

        String pop = add("--name", "p", "--host", "pop.example.net");
        assertEquals(2, run("account", "update", pop, "--idle"));
        assertTrue(err().contains("--idle is only for IMAP accounts"), err());
        assertFalse(show(pop).has("folders"), "a POP3 account shows no IMAP fields");
    }

    @Test
    void switchingProtocolShouldBringThePortAndKeepOrDropTheImapOptions() throws Exception {
        String id = add("--name", "x", "--host", "mail.example.net");
        assertEquals(995, show(id).get("port").asInt());
        assertEquals(2, run("account", "update", id, "--protocol", "imap"), "another port: the password again");
        assertTrue(err().contains("give the password again"), err());
        assertEquals(0, update(id, "--protocol", "imap", "--folder", "INBOX", "--folder", "Work", "--mark-seen"), err());
        JsonNode imap = show(id);
        assertEquals(993, imap.get("port").asInt());
        assertEquals("[\"INBOX\",\"Work\"]", imap.get("folders").toString());

        assertEquals(2, update(id, "--protocol", "pop3", "--folder", "INBOX"));
        assertTrue(err().contains("--folder is only for IMAP accounts"), err());
        assertEquals(0, update(id, "--protocol", "pop3", "--security", "none"), err());
        JsonNode pop = show(id);
        assertEquals("pop3", pop.get("protocol").asText());
        assertEquals(110, pop.get("port").asInt());
        assertFalse(pop.has("folders") || pop.has("markSeen"), pop.toString());

        assertEquals(0, update(id, "--protocol", "imap"), err());
        JsonNode again = show(id);
        assertEquals(143, again.get("port").asInt());
        assertEquals("[\"INBOX\"]", again.get("folders").toString(), "the old options were dropped with POP3");
        assertFalse(again.get("markSeen").asBoolean());
    }

    @Test
    void anImapAccountAddedHereShouldBeFetchedByAccountFetch() throws Exception {
        try (ImapServer imap = new ImapServer()) {
            imap.user("bob", PASSWORD);
            ImapServer.Mailbox remote = imap.mailbox("bob", PASSWORD);
            List<String> subjects = new ArrayList<>();
            subjects.add(remote.append("INBOX", "one\n"));
            subjects.add(remote.append("INBOX", "two\n"));
            subjects.add(remote.append("Work", "three\n"));
            remote.create("Done");
            String id = add("--name", "bob", "--host", "127.0.0.1", "--port", String.valueOf(imap.port()),
                    "--security", "none", "--user", "bob", "--protocol", "imap", "--folder", "INBOX", "--folder", "Work",
                    "--delete", "immediately", "--move-to", "Done", "--disabled");

            assertEquals(0, run("account", "fetch", id), err());
            assertTrue(out().contains("session ok: downloaded 3, delivered 3"), out());
            try (Stream<Path> files = Files.list(dataDir.resolve("mailboxes/example.com/alice/new"))) {
                List<String> texts = files.map(ImapAccountCliTest::read).toList();
                assertEquals(3, texts.size());
                for (String subject : subjects) {
                    assertEquals(1, texts.stream().filter(t -> t.contains("Subject: " + subject)).count(), subject);
                }
            }
            assertEquals(List.of(), remote.subjects("INBOX"));
            assertEquals(List.of(), remote.subjects("Work"));
            assertEquals(3, remote.subjects("Done").size(), "moved, not deleted");
            assertEquals(0, remote.flagged("Done", Flags.Flag.SEEN), "fetching sets no \\Seen");

            assertEquals(0, run("account", "fetch", id), err());
            assertTrue(out().contains("downloaded 0"), out());
            JsonNode status = show(id);
            assertEquals("ok", status.get("lastResult").asText());
            assertEquals("[\"INBOX\",\"Work\"]", status.get("folders").toString());
        }
    }

    @Test
    void switchingAnAccountFromPop3ToImapShouldDeliverNothingTwice() throws Exception {
        com.icegreen.greenmail.util.GreenMail both = new com.icegreen.greenmail.util.GreenMail(new com.icegreen.greenmail.util.ServerSetup[] {
                new com.icegreen.greenmail.util.ServerSetup(0, "127.0.0.1", com.icegreen.greenmail.util.ServerSetup.PROTOCOL_POP3),
                new com.icegreen.greenmail.util.ServerSetup(0, "127.0.0.1", com.icegreen.greenmail.util.ServerSetup.PROTOCOL_IMAP)});
        both.start();
        try {
            both.setUser("carol@mail.example.net", "carol", PASSWORD);
            ImapServer.Mailbox remote = ImapServer.mailbox(both.getImap().getPort(), "carol", PASSWORD);
            String first = remote.append("INBOX", "first\n");
            String id = add("--name", "carol", "--host", "127.0.0.1", "--port", String.valueOf(both.getPop3().getPort()),
                    "--security", "none", "--user", "carol", "--disabled");
            assertEquals(0, run("account", "fetch", id), err());
            assertTrue(out().contains("delivered 1"), out());

            String second = remote.append("INBOX", "second\n");
            assertEquals(0, update(id, "--protocol", "imap", "--port", String.valueOf(both.getImap().getPort())), err());
            assertEquals(0, run("account", "fetch", id), err());
            assertTrue(out().contains("downloaded 2"), "POP3 UIDLs mean nothing to IMAP: " + out());
            try (Stream<Path> files = Files.list(dataDir.resolve("mailboxes/example.com/alice/new"))) {
                List<String> texts = files.map(ImapAccountCliTest::read).toList();
                assertEquals(2, texts.size(), "the first message is in the Maildir once");
                assertEquals(1, texts.stream().filter(t -> t.contains("Subject: " + first)).count());
                assertEquals(1, texts.stream().filter(t -> t.contains("Subject: " + second)).count());
            }
        } finally {
            both.stop();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Adds an account owned by alice (user alice unless given) and returns its id. */
    private String add(String... extra) {
        assertEquals(0, addExit(extra), err());
        String id = out().trim();
        assertTrue(id.matches("\\d+"), id);
        return id;
    }

    private int addExit(String... extra) {
        List<String> args = new ArrayList<>(List.of("account", "add", "--owner", "alice@example.com", "--password-stdin"));
        args.addAll(List.of(extra));
        if (!args.contains("--user")) {
            args.addAll(List.of("--user", "alice"));
        }
        return withPassword(args);
    }

    /** account update with the password again (a new port needs it). */
    private int update(String id, String... extra) {
        List<String> args = new ArrayList<>(List.of("account", "update", id, "--password-stdin"));
        args.addAll(List.of(extra));
        return withPassword(args);
    }

    private int withPassword(List<String> args) {
        System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
        return run(args.toArray(String[]::new));
    }

    private JsonNode show(String id) throws Exception {
        assertEquals(0, run("account", "show", id, "--json"), err());
        return JSON.readTree(out());
    }

    private int run(String... args) {
        last = CliCapture.run(dataDir, args);
        return last.exit();
    }

    private String out() {
        return last.out().toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return last.err().toString(StandardCharsets.UTF_8);
    }
}
