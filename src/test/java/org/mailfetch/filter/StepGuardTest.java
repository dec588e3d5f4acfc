package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The optional steps run only under their filter in routes/fetch-session.camel.yaml. Called without
 * it — as a route file from an older mailfetch in the working directory would — a step refuses loudly
 * instead of scanning, quarantining or re-dating mail against the account's options, and no scanner
 * is contacted.
 */
class StepGuardTest {

    @TempDir
    Path dir;

    private FetchedMessage message(Account account) throws Exception {
        Path spool = dir.resolve("spool");
        Files.writeString(spool, "Subject: hi\n\nbody\n", StandardCharsets.US_ASCII);
        return new FetchedMessage(account, "u1", spool, Files.size(spool), Instant.now());
    }

    @Test
    void scannersAndTheDateStepRefuseAnAccountWithoutTheirOptionAndContactNoScanner() throws Exception {
        Account plain = MailfetchFixture.plain("bob", 110, "bob", DeleteMode.NEVER); // no antispam, antivirus, received date
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket scanner = new ServerSocket(0)) {
            Thread accept = new Thread(() -> {
                while (!scanner.isClosed()) {
                    try (Socket s = scanner.accept()) {
                        connections.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
            SpamCheck spam = new SpamCheck(new SpamdClient("127.0.0.1", scanner.getLocalPort(), Duration.ofSeconds(2)),
                    1 << 20, 5.0, 15.0, UnavailablePolicy.DEFER);
            VirusCheck virus = new VirusCheck(ClamdClient.tcp("127.0.0.1", scanner.getLocalPort(), Duration.ofSeconds(2)),
                    1 << 20, UnavailablePolicy.DEFER);

            for (Runnable step : new Runnable[] {
                    () -> spam.check(unchecked(plain)),
                    () -> virus.check(unchecked(plain)),
                    () -> new ReceivedDateStamp(Clock.systemUTC()).stamp(unchecked(plain))}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, step::run);
                assertTrue(e.getMessage().contains("routes/fetch-session.camel.yaml"), e.getMessage());
            }
            Thread.sleep(200);
            assertEquals(0, connections.get(), "no scanner was asked");
        }
    }

    private FetchedMessage unchecked(Account a) {
        try {
            return message(a);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
