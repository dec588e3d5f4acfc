package org.mailfetch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.mailfetch.mail.Account;
import org.mailfetch.config.Settings;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * A self-contained tour: an embedded POP3 server (GreenMail) on 127.0.0.1 with sample mail, a
 * temporary data dir, one account, two fetches (the second finds nothing new), and the Maildir files.
 */
@Command(name = "demo", description = "Fetch sample mail from an embedded POP3 server into a temporary data dir.")
final class DemoCommand implements Callable<Integer> {

    @ParentCommand
    Cli cli;

    @Override
    public Integer call() throws Exception {
        Path dataDir = Files.createTempDirectory("mailfetch-demo-");
        GreenMail pop3 = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3));
        pop3.start();
        try {
            GreenMailUser remote = pop3.setUser("alice@pop.example.net", "alice", "demo-password");
            List<String> subjects = List.of("Welcome to mailfetch", "Your invoice", "Meeting on Friday");
            for (String subject : subjects) {
                remote.deliver(sample(subject));
            }
            int port = pop3.getPop3().getPort();
            System.out.println("POP3 server on 127.0.0.1:" + port + " holds " + subjects.size() + " messages for alice");
            System.out.println("data dir: " + dataDir);

            Properties overrides = new Properties();
            overrides.setProperty(Settings.DATA_DIR, dataDir.toString());
            // self-contained whatever ./application.properties says: the demo's mail stays in its temp dir
            overrides.setProperty(Settings.MAILDIR_ROOT, dataDir.resolve("mailboxes").toString());
            overrides.setProperty(Settings.SPOOL_ROOT, dataDir.toString());
            overrides.setProperty("mailfetch.fetch.min-free-disk", "16MiB");
            try (Services s = new Services(Settings.of(overrides))) {
                s.directory().addDomain("example.com");
                s.directory().addMailbox("alice@example.com");
                Account account = new AccountService(s).add(new AccountChange().owner("alice@example.com")
                        .name("alice at pop.example.net").host("127.0.0.1").port(port).security("none").user("alice")
                        .password("demo-password").delete("immediately"));
                try (FetchEngine engine = new FetchEngine(s, FetchEngine.Mode.SINGLE_SESSION, Clock.systemUTC())) {
                    engine.start();
                    report(engine.fetchOnce(account.id()));
                    report(engine.fetchOnce(account.id()));
                }
                System.out.println("messages left on the POP3 server: " + pop3.getReceivedMessages().length);
                Path maildir = dataDir.resolve("mailboxes/example.com/alice/new");
                System.out.println("Maildir " + maildir + ":");
                try (Stream<Path> files = Files.list(maildir).sorted()) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        System.out.println("  " + f.getFileName() + "  " + subjectOf(f));
                    }
                }
            }
        } finally {
            pop3.stop();
        }
        return 0;
    }

    private static void report(SessionSummary summary) {
        System.out.println(summary.line());
        if (summary.result() != SessionSummary.Result.OK) {
            throw new IllegalStateException("the demo fetch failed: " + summary.error());
        }
    }

    private static MimeMessage sample(String subject) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress("news@sender.example.org"));
        m.setRecipients(MimeMessage.RecipientType.TO, "alice@pop.example.net");
        m.setSubject(subject);
        m.setText("This is the sample message \"" + subject + "\".\n");
        m.saveChanges();
        return m;
    }

    private static String subjectOf(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.takeWhile(l -> !l.isEmpty()).filter(l -> l.startsWith("Subject:") || l.startsWith("X-Mailfetch-Account:"))
                    .reduce((a, b) -> a + " | " + b).orElse("");
        }
    }
}
