package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.testsupport.CliCapture;
import org.mailfetch.testsupport.Pop3Server;

/** The command line as DESIGN.md fixes it: outputs, exit codes, and no password anywhere. */
class CliTest {

    private static final String PASSWORD = "s3cret-Pa55word";

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private final PrintStream realOut = System.out;
    private final PrintStream realErr = System.err;
    private final InputStream realIn = System.in;
    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        System.setProperty("mailfetch.fetch.min-free-disk", "1MiB");
    }

    @AfterEach
    void tearDown() {
        System.setOut(realOut);
        System.setErr(realErr);
        System.setIn(realIn);
        System.clearProperty("mailfetch.fetch.min-free-disk");
        pop3.close();
    }

    @Test
    void helpShouldWorkOnEveryCommandAndSubcommand() {
        java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
        collect(new picocli.CommandLine(new Cli()), new java.util.ArrayList<>(), paths);
        assertTrue(paths.size() > 40, "every subcommand was found: " + paths);
        for (java.util.List<String> path : paths) {
            java.util.List<String> args = new java.util.ArrayList<>(path);
            args.add("--help");
            assertEquals(0, run(args.toArray(new String[0])), String.join(" ", args) + ": " + err);
            assertTrue(out.toString().startsWith("Usage: mailfetch"), String.join(" ", args) + ": " + out);
        }
    }

    @Test
    void everyOptionAndParameterShouldHaveADescription() {
        java.util.List<String> blank = new java.util.ArrayList<>();
        blanks(new picocli.CommandLine(new Cli()), "mailfetch", blank);
        assertEquals(java.util.List.of(), blank, "options and parameters without a description");
    }

    private static void blanks(picocli.CommandLine command, String path, java.util.List<String> into) {
        for (var o : command.getCommandSpec().options()) {
            if (String.join("", o.description()).isBlank()) {
                into.add(path + " " + o.longestName());
            }
        }
        for (var p : command.getCommandSpec().positionalParameters()) {
            if (String.join("", p.description()).isBlank()) {
                into.add(path + " " + p.paramLabel());
            }
        }
        command.getSubcommands().forEach((name, sub) -> blanks(sub, path + " " + name, into));
    }

    private static void collect(picocli.CommandLine command, java.util.List<String> path,
                                java.util.List<java.util.List<String>> into) {
        for (var sub : command.getSubcommands().entrySet()) {
            java.util.List<String> p = new java.util.ArrayList<>(path);
            p.add(sub.getKey());
            into.add(p);
            collect(sub.getValue(), p, into);
        }
    }

    @Test
    void addCommandsShouldPrintOnlyTheNewIdAndListsOneItemPerLine() {
        assertEquals(0, run("domain", "add", "Example.COM"));
        assertEquals("example.com\n", out.toString());
        assertEquals(0, run("mailbox", "add", "Alice@example.com"));
        assertEquals(0, addAccount("--name", "alice's pop", "--host", "127.0.0.1", "--port", String.valueOf(pop3.port())));
        assertTrue(out.toString().matches("\\d+\n"), out.toString());
        String id = out.toString().trim();

        assertEquals(0, run("account", "list"));
        String[] lines = out.toString().split("\n");
        assertEquals(1, lines.length);
        assertTrue(lines[0].startsWith(id + "\talice's pop\tenabled\t"), lines[0]);
        assertEquals(0, run("mailbox", "list", "--json"));
        assertTrue(out.toString().contains("\"address\" : \"alice@example.com\""), out.toString());
    }

    @Test
    void passwordShouldNeverBeShownStoredInClearOrLogged() throws Exception {
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        addAccount("--name", "a", "--host", "127.0.0.1", "--port", String.valueOf(pop3.port()));
        String id = out.toString().trim();
        List<String> everything = new ArrayList<>();
        for (String[] cmd : new String[][] {{"account", "show", id}, {"account", "show", id, "--json"},
                {"account", "list", "--json"}, {"account", "fetch", id}}) {
            run(cmd);
            everything.add(out.toString());
            everything.add(err.toString());
        }
        for (String text : everything) {
            assertFalse(text.contains(PASSWORD), text);
        }
        for (Path f : Files.list(dataDir).toList()) {
            if (Files.isRegularFile(f)) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(PASSWORD), f.toString());
            }
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("mailfetch.key"))));
    }

    @Test
    void accountFetchShouldPrintASummaryAndExitZero() throws Exception {
        GreenMailUser bob = pop3.user("bob", PASSWORD);
        pop3.deliver(bob);
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        addAccount("--name", "bob", "--host", "127.0.0.1", "--port", String.valueOf(pop3.port()), "--user", "bob",
                "--delete", "immediately", "--disabled");
        String id = out.toString().trim();

        assertEquals(0, run("account", "fetch", id), err.toString());

        assertTrue(out.toString().contains("session ok: downloaded 1, delivered 1"), out.toString());
        assertEquals(1, Files.list(dataDir.resolve("mailboxes/example.com/alice/new")).count());
        assertEquals(0, pop3.remaining(bob));
    }

    @Test
    void failedFetchShouldExitNonZeroWithTheReasonOnStderr() {
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        addAccount("--name", "x", "--host", "127.0.0.1", "--port", String.valueOf(pop3.port()), "--user", "nobody");
        String id = out.toString().trim();

        assertEquals(1, run("account", "fetch", id));
        assertTrue(err.toString().contains("login refused"), err.toString());
    }

    @Test
    void badInputShouldExitTwoWithUsage() {
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        assertEquals(2, addAccount("--name", "x", "--host", "h", "--protocol", "smtp"));
        assertTrue(err.toString().contains("--protocol must be pop3 or imap"), err.toString());
        assertEquals(2, addAccount("--name", "x", "--host", "h", "--security", "tls9"));
        assertEquals(2, addAccount("--name", "x", "--host", "h", "--delete", "sometimes"));
        assertEquals(2, run("account", "add", "--owner", "alice@example.com", "--name", "x"));
        assertTrue(err.toString().contains("Usage:"), err.toString());
        assertEquals(2, run("account", "frobnicate"));
        assertEquals(2, run("account", "show", "not-a-number"));
        assertEquals(1, run("account", "show", "999"));
        assertTrue(err.toString().contains("no account 999"));
    }

    @Test
    void controlCharactersInAnyOptionArgumentOrPasswordShouldExitTwoNamingItAndStoreNothing() {
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        String[][] bad = {
                {"--user", "account", "add", "--owner", "alice@example.com", "--name", "n", "--host", "h",
                        "--user", "u\r\nDELE 1", "--password-stdin"},
                {"--name", "account", "add", "--owner", "alice@example.com", "--name", "n\u001b[2J", "--host", "h",
                        "--user", "u", "--password-stdin"},
                {"--owner", "account", "add", "--owner", "alice\n@example.com", "--name", "n", "--host", "h",
                        "--user", "u", "--password-stdin"},
                {"--recipient-headers", "account", "add", "--owner", "alice@example.com", "--name", "n", "--host", "h",
                        "--user", "u", "--password-stdin", "--recipient-headers", "To,X\u0000"},
                {"NAME", "domain", "add", "example.org\r\n"},
                {"--catch-all", "domain", "add", "example.org", "--catch-all", "x\r\nRCPT TO:<v@w>@example.org"},
                {"--lmtp", "domain", "add", "example.org", "--lmtp", "unix:/run/lmtp\n"},
                {"ADDRESS", "mailbox", "add", "bob\r\nRCPT TO:<v@w>@example.com"},
                {"TARGET", "alias", "add", "info@example.com", "alice@example.com", "b\n@example.com"},
                {"MEMBER", "list", "add", "team@example.com", "c\u007f@example.com"},
                {"--host", "route", "add", "partner.example", "--host", "relay\r\n", "--port", "25"},
                {"--config", "--config", "/tmp/x\ny", "domain", "list"}};
        for (String[] b : bad) {
            System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
            String[] args = java.util.Arrays.copyOfRange(b, 1, b.length);
            assertEquals(2, run(args), String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains(b[0] + " must not contain control characters"), err.toString());
        }
        // a password that would reach POP3 PASS as two commands
        System.setIn(new ByteArrayInputStream("pw\u0000DELE 1\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, run("account", "add", "--owner", "alice@example.com", "--name", "n", "--host", "h", "--user", "u",
                "--password-stdin"));
        assertTrue(err.toString().contains("password on standard input must not contain control characters"), err.toString());

        addAccount("--name", "ok", "--host", "127.0.0.1");
        String id = out.toString().trim();
        assertEquals(2, run("account", "update", id, "--user", "alice\r\nRETR 1"));
        // host syntax: a name, an IPv4 or an IPv6 address, nothing else
        assertEquals(2, addAccount("--name", "x", "--host", "pop example.com"));
        assertTrue(err.toString().contains("is not a host name or address"), err.toString());
        assertEquals(2, run("account", "update", id, "--host", "pop..example.com"));
        assertEquals(2, run("route", "add", "partner.example", "--host", "relay/x", "--port", "25"));
        assertEquals(2, run("domain", "add", "example.org", "--lmtp", "bad host:24"));
        assertEquals(2, run("domain", "add", "exa mple.org"));
        // another host needs the password again: the stored one is only sent where it was set for
        assertEquals(2, run("account", "update", id, "--host", "[::1]"));
        assertTrue(err.toString().contains("give the password again"), err.toString());
        System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, run("account", "update", id, "--host", "[::1]", "--password-stdin"));

        run("account", "list");
        assertEquals(1, out.toString().split("\n").length, "only the good account: " + out);
        assertTrue(out.toString().contains("alice@[::1]:"), out.toString());
        run("domain", "list");
        assertEquals("example.com\n", out.toString());
        run("mailbox", "list");
        assertEquals("alice@example.com\n", out.toString());
        run("alias", "list");
        assertEquals("", out.toString());
        run("route", "list");
        assertEquals("", out.toString());
    }

    @Test
    void updateShouldChangeOnlyTheGivenOptions() {
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        addAccount("--name", "n", "--host", "127.0.0.1", "--antispam", "--interval", "7");
        String id = out.toString().trim();

        assertEquals(0, run("account", "update", id, "--no-antispam", "--received-date", "--delete", "after-days:14"));
        run("account", "show", id);
        String shown = out.toString();
        assertTrue(shown.contains("antispam: false\n"), shown);
        assertTrue(shown.contains("receivedDate: true\n"), shown);
        assertTrue(shown.contains("intervalMinutes: 7\n"), shown);
        assertTrue(shown.contains("delete: after-days:14\n"), shown);
        assertTrue(shown.contains("port: 995\n"), "ssl default port: " + shown);
        assertTrue(shown.contains("security: ssl\n"), shown);
    }

    private int addAccount(String... extra) {
        List<String> args = new ArrayList<>(List.of("account", "add", "--owner", "alice@example.com", "--password-stdin"));
        args.addAll(List.of(extra));
        if (!args.contains("--user")) {
            args.addAll(List.of("--user", "alice"));
        }
        if (args.contains("--port") && !args.contains("--security")) {
            args.addAll(List.of("--security", "none")); // GreenMail speaks plain POP3
        }
        System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
        return run(args.toArray(String[]::new));
    }

    @Test
    void maxMessageSizeOfAnAccountShouldKeepBiggerMailOnTheServerUntilItIsRaised() throws Exception {
        GreenMailUser bob = pop3.user("bob", PASSWORD);
        pop3.deliver(bob);
        run("domain", "add", "example.com");
        run("mailbox", "add", "alice@example.com");
        addAccount("--name", "bob", "--host", "127.0.0.1", "--port", String.valueOf(pop3.port()), "--user", "bob",
                "--delete", "immediately", "--max-message-size", "100");
        String id = out.toString().trim();

        // GreenMail's LIST gives the body size only: the message is cut off as it streams past the limit
        assertEquals(1, run("account", "fetch", id), "a message left on the server fails the session");
        String said = out.toString() + err.toString();
        assertTrue(said.contains("larger than the account's maximum message size (100 bytes") && said.contains("UIDL"), said);
        assertEquals(1, pop3.remaining(bob));

        assertEquals(0, run("account", "update", id, "--max-message-size", "default"), err.toString());
        assertEquals(0, run("account", "fetch", id), err.toString());
        assertTrue(out.toString().contains("delivered 1"), out.toString());
        assertEquals(0, pop3.remaining(bob));
    }

    private int run(String... args) {
        CliCapture.Result r = CliCapture.run(dataDir, args);
        out = r.out();
        err = r.err();
        return r.exit();
    }
}
