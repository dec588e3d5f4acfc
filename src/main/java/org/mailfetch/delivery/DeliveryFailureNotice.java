package org.mailfetch.delivery;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Properties;

import jakarta.activation.DataHandler;
import jakarta.activation.FileDataSource;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;

/**
 * The delivery-failure notice for the account's owner when routed mail cannot be delivered: a
 * multipart/report (RFC 6522) with a readable explanation, a message/delivery-status part (RFC 3464)
 * naming each failed recipient with the server's reply, and the original message attached.
 */
final class DeliveryFailureNotice {

    private DeliveryFailureNotice() {}

    /** Writes the notice (LF line ends, as Maildir files have) to {@code target}. */
    static void write(Path target, OutboxEntry entry, String owner, Map<String, String> failures, Path original,
                      Instant now) throws IOException {
        try {
            MimeMessage notice = new MimeMessage(Session.getInstance(new Properties()));
            notice.setFrom(new InternetAddress("MAILER-DAEMON@localhost", "mailfetch"));
            notice.setRecipients(MimeMessage.RecipientType.TO, owner);
            notice.setSubject("Undelivered mail: routed to " + entry.routeDomain() + " (outbox " + entry.id() + ")", "UTF-8");
            notice.setSentDate(Date.from(now));
            notice.setHeader("Auto-Submitted", "auto-replied");

            StringBuilder text = new StringBuilder();
            text.append("mailfetch could not deliver a message it fetched (UIDL ").append(entry.uidl())
                    .append(") to these recipients in the routed domain ").append(entry.routeDomain()).append(":\n\n");
            failures.forEach((r, why) -> text.append("  ").append(r).append(": ").append(why).append('\n'));
            text.append("\nIt tried ").append(entry.attempts() + 1).append(" time(s) since ").append(entry.createdAt())
                    .append(". The original message is attached. `mailfetch outbox retry ").append(entry.id())
                    .append("` tries again.\n");
            MimeBodyPart explanation = new MimeBodyPart();
            explanation.setText(text.toString(), "UTF-8");

            StringBuilder status = new StringBuilder();
            status.append("Reporting-MTA: dns; localhost\n").append("Arrival-Date: ")
                    .append(new jakarta.mail.internet.MailDateFormat().format(Date.from(entry.createdAt()))).append("\n");
            failures.forEach((r, why) -> status.append("\nFinal-Recipient: rfc822; ").append(r)
                    .append("\nAction: failed\nStatus: ").append(statusCode(why))
                    .append("\nDiagnostic-Code: smtp; ").append(why.replaceAll("[\\r\\n]+", " ")).append('\n'));
            MimeBodyPart deliveryStatus = new MimeBodyPart();
            deliveryStatus.setDataHandler(new DataHandler(new ByteArrayDataSource(
                    status.toString().getBytes(StandardCharsets.UTF_8), "message/delivery-status")));

            MimeBodyPart attached = new MimeBodyPart();
            attached.setDataHandler(new DataHandler(new FileDataSource(original.toFile()) {
                @Override
                public String getContentType() {
                    return "message/rfc822";
                }
            }));
            attached.setDisposition("attachment");

            MimeMultipart report = new MimeMultipart("report; report-type=delivery-status");
            report.addBodyPart(explanation);
            report.addBodyPart(deliveryStatus);
            if (Files.exists(original)) {
                report.addBodyPart(attached);
            }
            notice.setContent(report);
            notice.saveChanges();
            try (OutputStream out = new CrlfToLf(new BufferedOutputStream(Files.newOutputStream(target), 65536))) {
                notice.writeTo(out);
            }
        } catch (MessagingException e) {
            throw new IOException("cannot build the delivery-failure notice: " + e.getMessage(), e);
        }
    }

    /** An enhanced status code: the server's own when its reply has one, else 5.0.0 (given up). */
    private static String statusCode(String reply) {
        var m = java.util.regex.Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b").matcher(reply);
        return m.find() ? m.group(1).replaceFirst("^4", "5") : "5.0.0";
    }

    /** CRLF to LF, streaming: Maildir files have LF line ends. */
    private static final class CrlfToLf extends FilterOutputStream {
        private boolean cr;

        CrlfToLf(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (cr && b != '\n') {
                out.write('\r');
            }
            cr = b == '\r';
            if (!cr) {
                out.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public void close() throws IOException {
            if (cr) {
                out.write('\r');
            }
            super.close();
        }
    }
}
