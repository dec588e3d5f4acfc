package org.mailfetch.fetch.imap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.account.ImapOptions;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.Security;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A scripted IMAP server that behaves until the body FETCH, and then announces a 2 GB literal,
 * sends an endless line, or the body of a UID nobody asked for. Angus Mail alone would allocate the
 * literal or grow its buffer until the heap is gone; the session must instead fail that message
 * quickly with a clear error, deliver nothing and delete nothing.
 *
 * <p>And a server lying about sizes (issue 10, bad input): RFC822.SIZE larger than the body it then
 * sends (the message is not recorded nor delivered short, as POP3's "shorter than its LIST size"),
 * or smaller (a body past the size limit is cut off and left on the server; one within the limit is
 * delivered whole). Partial fetches are served as asked, so bodies over one chunk take several.
 */
class HostileImapServerTest {

    @TempDir
    Path dataDir;

    private ServerSocket listener;
    private MailfetchFixture fixture;

    @AfterEach
    void tearDown() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aTwoGigabyteLiteralShouldFailTheMessageWithoutAllocatingIt() throws Exception {
        SessionSummary s = fetchWithBody(out -> write(out, "* 1 FETCH (UID 7 BODY[]<0> {2000000000}\r\nFrom: x\r\n"));

        assertEquals(0, s.delivered(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertTrue(s.line().contains("a literal of 2000000000 bytes"), s.line());
    }

    @Test
    void anEndlessLineShouldBeCutAtTheResponseLimit() throws Exception {
        SessionSummary s = fetchWithBody(out -> {
            write(out, "* OK ");
            String junk = "y".repeat(65536);
            for (int i = 0; i < 1000; i++) { // 64 MB unless cut off
                write(out, junk);
            }
        });

        assertEquals(0, s.delivered(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertTrue(s.line().contains("a response longer than"), s.line());
    }

    @Test
    void aChainOfNegativeLiteralsShouldFailTheConnection() throws Exception {
        // Angus reads no bytes for {-1} and goes on with the same response: 2 MB through a 1.3 MB limit unless cut
        SessionSummary s = fetchWithBody(out -> {
            String line = "* OK " + "y".repeat(1000) + " {-1}\r\n";
            for (int i = 0; i < 2000; i++) {
                write(out, line);
            }
        });

        assertEquals(0, s.delivered(), s.line());
        assertTrue(s.line().contains("negative size"), s.line());
    }

    @Test
    void anEndlessUntaggedStreamToOneCommandShouldFailTheSession() throws Exception {
        // max-listing 100: one listing FETCH may bring at most 1.3 MB + 100 x 512 bytes of untagged replies,
        // all of which Angus keeps until the tagged OK; here 8 MB of small ones, then a valid listing
        String body = "From: x\r\nSubject: s\r\n\r\nhi\r\n";
        SessionSummary s = fetchWith(out -> write(out, "* 1 FETCH (UID 7 BODY[]<0> {" + body.length() + "}\r\n"
                + body + ")\r\n"), null, out -> {
            String filler = "* OK " + "x".repeat(400) + "\r\n";
            for (int i = 0; i < 20_000; i++) {
                write(out, filler);
            }
            write(out, "* 1 FETCH (UID 7 RFC822.SIZE " + body.length()
                    + " INTERNALDATE \"01-Jan-2024 00:00:00 +0000\")\r\n");
        });

        assertEquals(0, s.delivered(), s.line());
        assertTrue(s.error() != null && s.line().contains("connection"), s.line());
    }

    @Test
    void aHugeExistsAtSelectShouldFailTheSessionWithoutAllocatingIt() throws Exception {
        SessionSummary s = fetchWith(null, out -> write(out, "* 2147483000 EXISTS\r\n* OK [UIDVALIDITY 42]\r\n"), null);

        assertEquals(0, s.delivered(), s.line());
        assertTrue(s.line().contains("2147483000 EXISTS"), s.line());
    }

    @Test
    void anExistsAboveMaxListingShouldFailTheSession() throws Exception {
        SessionSummary s = fetchWith(null, out -> write(out, "* 101 EXISTS\r\n* OK [UIDVALIDITY 42]\r\n"), null);

        assertEquals(0, s.delivered(), s.line());
        assertTrue(s.line().contains("101 EXISTS") && s.line().contains("mailfetch.fetch.max-listing"), s.line());
    }

    @Test
    void messageNumberZeroShouldFailTheSession() throws Exception {
        SessionSummary s = fetchWith(null, null, out -> write(out, "* 0 FETCH (UID 7 RFC822.SIZE 60)\r\n"));

        assertEquals(0, s.delivered(), s.line());
        assertTrue(s.error() != null && s.line().contains("connection"), s.line());
    }

    @Test
    void theBodyOfAnUnrequestedUidShouldNotBeDelivered() throws Exception {
        String body = "From: x\r\nSubject: not the one asked for\r\n\r\nhi\r\n";
        SessionSummary s = fetchWithBody(out -> write(out, "* 1 FETCH (UID 99 BODY[]<0> {" + body.length() + "}\r\n"
                + body + ")\r\n"));

        assertEquals(0, s.delivered(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertTrue(s.line().contains("the body of UID 99"), s.line());
    }

    @Test
    void aBodyShorterThanItsRfc822SizeShouldNeitherBeRecordedNorDeliveredNorDeleted() throws Exception {
        String whole = message("whole", "fine\r\n");
        String cut = message("cut", "first half\r\n");
        // announced 5000 bytes, sent ~60; and one over a chunk announced as 3 MiB, sent as 1.5 MiB
        String bigCut = message("bigcut", "z".repeat(76) + "\r\n", ImapRetriever.CHUNK * 3 / 2);
        SessionSummary s = fetchMailbox(new Properties(), List.of(
                new Served(7, cut.length() + 5000, cut), new Served(8, whole.length(), whole),
                new Served(9, 3L * ImapRetriever.CHUNK, bigCut)));

        assertEquals(1, s.delivered(), s.line());
        assertEquals(2, s.failed(), s.line());
        assertTrue(s.line().contains("shorter than its LIST size") && s.line().contains("INBOX;42;7"), s.line());
        assertEquals(List.of(lf(whole)), delivered(), "only the whole one, nothing short");
        assertEquals(java.util.Set.of("INBOX;42;8"), fixture.ledgerKeys(account.id()), "the short ones are not recorded");
        assertTrue(fetchedFrom(9).contains(ImapRetriever.CHUNK), "the big one was read in chunks: " + fetchedFrom(9));
        assertEquals(List.of("2"), stored(), "only the whole one (message 2) is flagged \\Deleted: " + changes());
    }

    @Test
    void aBodyLongerThanItsRfc822SizeAndTheLimitShouldBeCutOffAndLeftOnTheServer() throws Exception {
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.max-message-size", "1MiB");
        String small = message("small", "fits\r\n");
        String liar = message("liar", "x".repeat(76) + "\r\n", ImapRetriever.CHUNK + 100_000);
        String liar2 = message("liar2", "y".repeat(76) + "\r\n", 2 * ImapRetriever.CHUNK);
        SessionSummary s = fetchMailbox(p, List.of(new Served(7, 100, liar), new Served(8, small.length(), small),
                new Served(9, 100, liar2)));

        assertEquals(1, s.delivered(), s.line());
        assertEquals(2, s.failed(), s.line());
        assertTrue(s.line().contains("larger than the account's maximum message size") && s.line().contains("INBOX;42;7"),
                s.line());
        assertEquals(List.of(lf(small)), delivered(), "no cut-off copy of the liars");
        assertEquals(java.util.Set.of("INBOX;42;8"), fixture.ledgerKeys(account.id()));
        assertEquals(List.of(0, ImapRetriever.CHUNK), fetchedFrom(7), "nothing read past the limit");
        assertEquals(List.of("2"), stored(), "only the small one (message 2) is flagged \\Deleted: " + changes());
    }

    @Test
    void aBodyLongerThanItsRfc822SizeWithinTheLimitShouldBeDeliveredWhole() throws Exception {
        String longer = message("longer", "w".repeat(76) + "\r\n", ImapRetriever.CHUNK + 4096);
        SessionSummary s = fetchMailbox(new Properties(), List.of(new Served(7, 200, longer)));

        assertEquals(1, s.delivered(), s.line());
        assertEquals(0, s.failed(), s.line());
        assertEquals(List.of(lf(longer)), delivered(), "every byte sent, in order, once");
        assertEquals(List.of(0, ImapRetriever.CHUNK), fetchedFrom(7));
        assertEquals(java.util.Set.of("INBOX;42;7"), fixture.ledgerKeys(account.id()));
    }

    /** A message served by {@link #fetchMailbox}: its UID, the RFC822.SIZE it lists, the body it sends. */
    private record Served(long uid, long announced, String body) {
    }

    private Account account;
    private final List<String> commands = Collections.synchronizedList(new ArrayList<>());

    /** One session (delete immediately) against a server listing {@code messages} and serving partial fetches. */
    private SessionSummary fetchMailbox(Properties settings, List<Served> messages) throws Exception {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread server = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket c = listener.accept()) {
                    c.setSoTimeout(10_000);
                    mailbox(c, messages);
                } catch (IOException | RuntimeException e) {
                    // the client hung up
                }
            }
        }, "lying-imap");
        server.setDaemon(true);
        server.start();
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "5s");
        p.putAll(settings);
        fixture = new MailfetchFixture(dataDir, p);
        account = fixture.addImapAccount("liar", Security.NONE, listener.getLocalPort(), null, "bob", "secret",
                DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);
        return fixture.fetch(account.id());
    }

    private static final Pattern BODY_FETCH = Pattern.compile("(?i)FETCH (\\d+) \\(UID BODY\\.PEEK\\[\\]<(\\d+)\\.(\\d+)>\\)");

    private void mailbox(Socket c, List<Served> messages) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        write(out, "* OK [CAPABILITY IMAP4rev1] scripted\r\n");
        for (String line; (line = in.readLine()) != null; ) {
            commands.add(line);
            String[] words = line.split(" ", 3);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            String rest = words.length > 2 ? words[2] : "";
            switch (command) {
                case "LOGIN" -> write(out, tag + " OK [CAPABILITY IMAP4rev1] logged in\r\n");
                case "CAPABILITY" -> write(out, "* CAPABILITY IMAP4rev1\r\n" + tag + " OK\r\n");
                case "SELECT", "EXAMINE" -> write(out, "* " + messages.size() + " EXISTS\r\n* 0 RECENT\r\n"
                        + "* OK [UIDVALIDITY 42]\r\n* OK [UIDNEXT 100]\r\n" + tag + " OK [READ-WRITE] selected\r\n");
                case "FETCH" -> {
                    for (int i = 0; i < messages.size(); i++) {
                        Served m = messages.get(i);
                        if (rest.contains("HEADER.FIELDS")) {
                            String header = "Message-ID: <" + m.uid() + "@example.org>\r\n\r\n";
                            write(out, "* " + (i + 1) + " FETCH (BODY[HEADER.FIELDS (Message-ID)] {" + header.length()
                                    + "}\r\n" + header + ")\r\n");
                        } else {
                            write(out, "* " + (i + 1) + " FETCH (UID " + m.uid() + " RFC822.SIZE " + m.announced()
                                    + " INTERNALDATE \"01-Jan-2024 00:00:00 +0000\")\r\n");
                        }
                    }
                    write(out, tag + " OK fetched\r\n");
                }
                case "UID" -> {
                    Matcher f = BODY_FETCH.matcher(rest);
                    if (f.matches()) {
                        long uid = Long.parseLong(f.group(1));
                        int offset = Integer.parseInt(f.group(2));
                        int length = Integer.parseInt(f.group(3));
                        for (int i = 0; i < messages.size(); i++) {
                            if (messages.get(i).uid() == uid) {
                                String body = messages.get(i).body();
                                String part = body.substring(Math.min(offset, body.length()),
                                        Math.min(body.length(), offset + length));
                                write(out, "* " + (i + 1) + " FETCH (UID " + uid + " BODY[]<" + offset + "> {"
                                        + part.length() + "}\r\n" + part + ")\r\n");
                            }
                        }
                    } else if (rest.toUpperCase(Locale.ROOT).startsWith("SEARCH")) {
                        write(out, "* SEARCH\r\n");
                    }
                    write(out, tag + " OK done\r\n");
                }
                case "LOGOUT" -> {
                    write(out, "* BYE bye\r\n" + tag + " OK\r\n");
                    return;
                }
                default -> write(out, tag + " OK\r\n");
            }
        }
    }

    /** The offsets of the partial fetches asked for the message of this UID, in order. */
    private List<Integer> fetchedFrom(long uid) {
        List<Integer> out = new ArrayList<>();
        synchronized (commands) {
            for (String c : commands) {
                Matcher f = BODY_FETCH.matcher(c.split(" ", 3).length > 2 ? c.split(" ", 3)[2] : "");
                if (f.matches() && Long.parseLong(f.group(1)) == uid) {
                    out.add(Integer.parseInt(f.group(2)));
                }
            }
        }
        return out;
    }

    /** Every command that changes the mailbox: flags, expunge, copy, move. */
    private List<String> changes() {
        synchronized (commands) {
            return commands.stream().filter(c -> {
                String u = c.toUpperCase(Locale.ROOT);
                return u.contains("STORE") || u.contains("EXPUNGE") || u.contains("COPY") || u.contains("MOVE");
            }).toList();
        }
    }

    /** The message sets of every STORE (sequence numbers, or UIDs for UID STORE), in order. */
    private List<String> stored() {
        return changes().stream().filter(c -> c.toUpperCase(Locale.ROOT).contains("STORE "))
                .map(c -> c.replaceFirst("(?i)^\\S+ (UID )?STORE (\\S+) .*$", "$2")).toList();
    }

    private List<String> delivered() throws IOException {
        List<String> out = new ArrayList<>();
        for (String d : fixture.delivered()) {
            int body = d.indexOf("Subject: ");
            out.add(body < 0 ? d : d.substring(body)); // after the trace headers mailfetch adds
        }
        return out;
    }

    /** A message with CRLF line ends: a few headers, then {@code line} repeated up to about {@code size} bytes. */
    private static String message(String subject, String line, int size) {
        StringBuilder m = new StringBuilder("Subject: " + subject + "\r\nFrom: x@example.org\r\n\r\n");
        do {
            m.append(line);
        } while (m.length() + line.length() <= size);
        return m.toString();
    }

    private static String message(String subject, String line) {
        return message(subject, line, 0);
    }

    private static String lf(String crlf) {
        return crlf.replace("\r\n", "\n");
    }

    /** One session against a server that answers the body FETCH with {@code body}, then its tagged OK. */
    private SessionSummary fetchWithBody(Consumer<OutputStream> body) throws Exception {
        return fetchWith(body, null, null);
    }

    /**
     * One session against a server that answers the body FETCH with {@code body}, and SELECT /
     * EXAMINE with {@code select} and the listing FETCH with {@code listing} where those are not
     * null (each then followed by its tagged OK).
     */
    private SessionSummary fetchWith(Consumer<OutputStream> body, Consumer<OutputStream> select,
                                     Consumer<OutputStream> listing) throws Exception {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread server = new Thread(() -> serve(body, select, listing), "hostile-imap");
        server.setDaemon(true);
        server.start();
        Properties p = new Properties();
        p.setProperty("mailfetch.fetch.read-timeout", "5s");
        p.setProperty("mailfetch.fetch.max-listing", "100");
        fixture = new MailfetchFixture(dataDir, p);
        Account a = fixture.addImapAccount("hostile", Security.NONE, listener.getLocalPort(), null, "bob", "secret",
                DeleteMode.IMMEDIATELY, ImapOptions.DEFAULT);
        Instant start = Instant.now();
        SessionSummary s = fixture.fetch(a.id());
        assertTrue(Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(5)) < 0,
                "the session must not wait for the announced bytes: " + s.line());
        assertEquals(0, fixture.ledgerSize(a.id()));
        assertEquals(0, fixture.delivered().size());
        return s;
    }

    private void serve(Consumer<OutputStream> body, Consumer<OutputStream> select, Consumer<OutputStream> listing) {
        while (!listener.isClosed()) {
            try (Socket c = listener.accept()) {
                c.setSoTimeout(10_000);
                conversation(c, body, select, listing);
            } catch (IOException | RuntimeException e) {
                // the client hung up (as it should, after a hostile answer)
            }
        }
    }

    private static void conversation(Socket c, Consumer<OutputStream> body) throws IOException {
        conversation(c, body, null, null);
    }

    private static void conversation(Socket c, Consumer<OutputStream> body, Consumer<OutputStream> select,
                                     Consumer<OutputStream> listing) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = c.getOutputStream();
        write(out, "* OK [CAPABILITY IMAP4rev1] scripted\r\n");
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.split(" ", 3);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            String rest = words.length > 2 ? words[2] : "";
            switch (command) {
                case "LOGIN" -> write(out, tag + " OK [CAPABILITY IMAP4rev1] logged in\r\n");
                case "CAPABILITY" -> write(out, "* CAPABILITY IMAP4rev1\r\n" + tag + " OK\r\n");
                case "SELECT", "EXAMINE" -> {
                    if (select != null) {
                        select.accept(out);
                        write(out, tag + " OK [READ-WRITE] selected\r\n");
                    } else {
                        selectReply(out, tag);
                    }
                }
                case "FETCH" -> {
                    if (listing != null && !rest.contains("HEADER.FIELDS")) {
                        listing.accept(out);
                    } else if (rest.contains("HEADER.FIELDS")) {
                        String header = "Message-ID: <m1@example.org>\r\n\r\n";
                        write(out, "* 1 FETCH (BODY[HEADER.FIELDS (Message-ID)] {" + header.length() + "}\r\n"
                                + header + ")\r\n");
                    } else {
                        write(out, "* 1 FETCH (UID 7 RFC822.SIZE 60 INTERNALDATE \"01-Jan-2024 00:00:00 +0000\")\r\n");
                    }
                    write(out, tag + " OK fetched\r\n");
                }
                case "UID" -> {
                    if (rest.toUpperCase(Locale.ROOT).startsWith("FETCH") && rest.contains("BODY.PEEK[]")) {
                        body.accept(out);
                    }
                    write(out, tag + " OK done\r\n");
                }
                case "LOGOUT" -> {
                    write(out, "* BYE bye\r\n" + tag + " OK\r\n");
                    return;
                }
                default -> write(out, tag + " OK\r\n");
            }
        }
    }

    private static void selectReply(OutputStream out, String tag) {
        write(out, "* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42]\r\n"
                + "* OK [UIDNEXT 8]\r\n" + tag + " OK [READ-WRITE] selected\r\n");
    }

    private static void write(OutputStream out, String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
