package org.mailfetch.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.quarantine.QuarantineStore;

/** Helpers for content-filter tests: accounts with scanning on, the quarantine, the .Junk folder, dead scanners. */
public final class Scanning {

    private Scanning() {
    }

    /** A plain-POP3 account of alice@example.com that deletes immediately, with the given scanners on. */
    public static Account addAccount(MailfetchFixture f, int pop3Port, String user, boolean antispam, boolean antivirus) {
        Account a = MailfetchFixture.plain(user, pop3Port, user, DeleteMode.IMMEDIATELY);
        Account scanned = new Account(a.id(), a.name(), a.enabled(), a.protocol(), a.host(), a.port(), a.security(),
                a.userName(), a.trustCertPem(), a.intervalMinutes(), a.mimeRecipients(), a.recipientHeaders(),
                a.envelopeHeaders(), a.routeRecipients(), a.receivedDate(), antispam, antivirus, a.deleteMode(),
                a.ownerAddress(), a.createdAt());
        return f.services().accounts().add(scanned, "secret");
    }

    public static QuarantineStore quarantine(MailfetchFixture f) {
        return new QuarantineStore(f.services().db(), f.dataDir(), FilePermissions.from(f.services().settings()));
    }

    /** alice's .Junk folder. */
    public static Path junk(MailfetchFixture f) {
        return f.dataDir().resolve("mailboxes/example.com/alice/.Junk");
    }

    /** The contents of the files in a Maildir's new/ and cur/. */
    public static List<String> messages(Path maildir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String sub : new String[] {"new", "cur"}) {
            Path dir = maildir.resolve(sub);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.sorted().toList()) {
                        out.add(Files.readString(file));
                    }
                }
            }
        }
        return out;
    }

    /** A 127.0.0.1 port with nothing listening: connections are refused. */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** A listener that never accepts or answers: connections succeed (backlog) and then time out. Close it after the test. */
    public static ServerSocket silentServer() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.1", 0), 50);
        return s;
    }
}
