package org.mailfetch.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.mailfetch.config.Settings;
import org.mailfetch.mail.MailAddress;

/**
 * A message from mailfetch itself into an account owner's Maildir (mailfetch.maildir.root) (a delivery
 * failure, a lost OAuth2 sign-in): made durable like fetched mail (fsync, rename, directory fsync),
 * under a base name fixed by the caller so that telling the same thing twice adds nothing.
 */
public final class OwnerNotice {

    private final Path mailboxesDir;
    private final FilePermissions permissions;

    public OwnerNotice(Settings settings) {
        this.mailboxesDir = settings.maildirRoot();
        this.permissions = FilePermissions.from(settings);
    }

    /** Delivers {@code message} (LF line ends) unless a file of this base name is there already. */
    public void deliver(String owner, String baseName, InputStream message, ExecutorService fsyncPool) throws IOException {
        MaildirMailbox mailbox = new MaildirMailbox(mailboxesDir, MailAddress.parse(owner), permissions);
        if (mailbox.contains(baseName)) {
            return;
        }
        DeliveryBatch batch = new DeliveryBatch(fsyncPool);
        batch.add(mailbox.stage(baseName, new byte[0], message, null));
        batch.commit();
    }

    /** Delivers a plain-text notice; {@code subject} and {@code text} are ours (no line breaks in the subject). */
    public void deliverText(String owner, String baseName, String subject, String text, Instant now) throws IOException {
        if (subject.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new IllegalArgumentException("a notice subject is one line of printable ASCII");
        }
        String message = "From: mailfetch <MAILER-DAEMON@localhost>\n"
                + "To: " + MailAddress.parse(owner) + "\n"
                + "Subject: " + subject + "\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atOffset(ZoneOffset.UTC)) + "\n"
                + "Message-ID: <" + baseName + "@mailfetch.invalid>\n"
                + "Auto-Submitted: auto-generated\n"
                + "MIME-Version: 1.0\n"
                + "Content-Type: text/plain; charset=utf-8\n"
                + "Content-Transfer-Encoding: 8bit\n"
                + "\n" + text.replace("\r\n", "\n") + (text.endsWith("\n") ? "" : "\n");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            deliver(owner, baseName, new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)), pool);
        } finally {
            pool.shutdown();
        }
    }
}
