package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.mail.MailAddress;

/**
 * Issue 8, items 3 and 4: headers written to cost CPU (a Received {@code for} clause that made a
 * regex backtrack quadratically, a To: with 50,000 addresses) are handled in linear time, and mail
 * whose recipient headers are beyond the named bounds goes to the owner with a header saying why.
 * The timeouts guard against catastrophe (the old code took minutes to hours); they are no benchmark.
 * They run the test in a thread of its own: a runaway regex ignores interrupts and would otherwise
 * hold the build until it finished.
 */
class HostileHeadersTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private Account account;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        fixture.services().directory().addMailbox("bob@example.com");
        account = RoutedMail.catchAllAccount(fixture, pop3.port(), false);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        pop3.close();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aReceivedForClauseOfAHundredThousandAtSignsShouldBeScannedInLinearTime() {
        String value = "from a.example by b.example for " + "@".repeat(100_000) + " X";

        assertEquals(List.of(), HeaderAddresses.receivedFor(value));
        assertEquals(List.of(new MailAddress("bob", "example.com")),
                HeaderAddresses.receivedFor("from a by b for " + "@".repeat(50_000) + " for <bob@example.com>; 1 Mar 2024"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theFallbackScanOfAnUnparsableAddressListShouldBeLinear() {
        // the former pattern took 2.5 s for 20,000 letters here, growing quadratically
        String unbalanced = "(" + "a".repeat(100_000) + " bob@example.com";

        assertEquals(List.of("bob@example.com"), HeaderAddresses.looseAddresses(unbalanced));
        assertEquals(List.of("x@@y", "@a@b"), HeaderAddresses.looseAddresses("@x x@@y, a@ @a@b <@>"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMebibyteReceivedHeaderShouldReachTheOwnerQuicklyWithTheReason() throws Exception {
        RoutedMail.put(box, "redos", "Received: from a.example by b.example for " + "@".repeat(1_000_000)
                + " X; Tue, 5 Mar 2024 10:11:12 +0000\nTo: bob@example.com");

        SessionSummary s = fixture.fetch(account.id(), clock);

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(List.of(), fixture.delivered("bob@example.com"));
        List<String> owner = fixture.delivered();
        assertEquals(1, owner.size());
        assertTrue(owner.get(0).startsWith("X-Mailfetch-Account:"), "trace header on top");
        assertTrue(owner.get(0).contains("\nX-Mailfetch-Recipients: header Received too long ("), owner.get(0).substring(0, 300));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aToHeaderWithFiftyThousandAddressesShouldGoToTheOwnerWithTheReason() throws Exception {
        String to = IntStream.range(0, 50_000).mapToObj(i -> "user" + i + "@example.com")
                .collect(Collectors.joining(",\n "));
        RoutedMail.put(box, "huge list", "To: " + to + ",\n bob@example.com");

        SessionSummary s = fixture.fetch(account.id(), clock);

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(List.of(), fixture.delivered("bob@example.com"));
        List<String> owner = fixture.delivered();
        assertEquals(1, owner.size());
        assertTrue(owner.get(0).contains("\nX-Mailfetch-Recipients: header To too long ("), owner.get(0).substring(0, 300));
        assertTrue(owner.get(0).contains("; delivered to the owner\n"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void moreDistinctRecipientsThanTheCapShouldGoToTheOwnerWithTheReason() throws Exception {
        String to = IntStream.range(0, 1_500).mapToObj(i -> "u" + i + "@example.com").collect(Collectors.joining(","));
        RoutedMail.put(box, "too many", "To: bob@example.com," + to);

        SessionSummary s = fixture.fetch(account.id(), clock);

        assertEquals(SessionSummary.Result.OK, s.result(), s.line());
        assertEquals(List.of(), fixture.delivered("bob@example.com"));
        List<String> owner = fixture.delivered();
        assertEquals(1, owner.size());
        assertTrue(owner.get(0).contains("\nX-Mailfetch-Recipients: too many (more than 1000 distinct addresses);"
                + " delivered to the owner\n"), owner.get(0).substring(0, 300));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aThousandAddressesWithinTheCapShouldStillReachTheLocalMailbox() throws Exception {
        String to = IntStream.range(0, 999).mapToObj(i -> "u" + i + "@example.com").collect(Collectors.joining(","));
        RoutedMail.put(box, "within the cap", "To: " + to + ",bob@example.com");

        fixture.fetch(account.id(), clock);

        assertEquals(1, fixture.delivered("bob@example.com").size());
    }
}
