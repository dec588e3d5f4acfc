package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.cluster.RowClaim;
import org.mailfetch.mail.Account;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;

/**
 * Two nodes on one database, each with its own outbox worker (its own claimer): every entry reaches
 * the real SMTP server (GreenMail) once, also when both work the same due list at the same moment,
 * and a dead node's claimed entry is sent by the other once the claim runs out.
 */
class OutboxTwoNodesTest {

    private static final int MESSAGES = 12;

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(Instant.now());
    private Pop3Server pop3;
    private GreenMailUser box;
    private GreenMail smtp;
    private MailfetchFixture fixture;
    private final List<ExecutorService> pools = new ArrayList<>();

    @BeforeEach
    void setUp() {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Properties p = new Properties();
        p.setProperty(OutboxWorker.SMTP_TIMEOUT, "10s");
        fixture = new MailfetchFixture(dataDir, p);
        fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", smtp.getSmtp().getPort(), false, null, null);
    }

    @AfterEach
    void tearDown() {
        pools.forEach(ExecutorService::shutdownNow);
        fixture.close();
        smtp.stop();
        pop3.close();
    }

    /** A node's outbox and worker over the shared database and spool. */
    private OutboxWorker node(String claimer) {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pools.add(pool);
        Outbox outbox = new Outbox(fixture.services().db(), dataDir, clock, claimer);
        return new OutboxWorker(outbox, fixture.services().smtpRoutes(), fixture.services().accounts(),
                fixture.services().settings(), pool, clock);
    }

    private Set<String> queue(int n) throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        Set<String> subjects = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            String subject = "routed " + i;
            RoutedMail.put(box, subject, "To: yann@partner.example");
            subjects.add(subject);
        }
        fixture.fetch(a.id(), clock);
        assertEquals(n, fixture.services().outbox().list().size(), "queued");
        return subjects;
    }

    private Set<String> receivedSubjects() throws Exception {
        Set<String> got = new TreeSet<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            got.add(m.getSubject());
        }
        return got;
    }

    @Test
    void twoNodesWorkingTheSameDueListShouldSendEachEntryExactlyOnce() throws Exception {
        Set<String> subjects = queue(MESSAGES);
        OutboxWorker nodeA = node("node-a/1");
        OutboxWorker nodeB = node("node-b/2");
        // both have read the whole due list before either claims anything
        CyclicBarrier listed = new CyclicBarrier(2);
        ExecutorService nodes = Executors.newFixedThreadPool(2);
        pools.add(nodes);
        List<Future<Integer>> passes = new ArrayList<>();
        for (OutboxWorker worker : List.of(nodeA, nodeB)) {
            AtomicBoolean first = new AtomicBoolean(true);
            passes.add(nodes.submit(() -> worker.deliverDue(e -> {
                if (first.getAndSet(false)) {
                    try {
                        listed.await(30, TimeUnit.SECONDS);
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }
                return true;
            })));
        }
        int tried = passes.get(0).get(120, TimeUnit.SECONDS) + passes.get(1).get(120, TimeUnit.SECONDS);

        assertEquals(MESSAGES, tried, "each entry attempted by one node");
        assertEquals(MESSAGES, smtp.getReceivedMessages().length, "the SMTP server got each message once");
        assertEquals(subjects, receivedSubjects());
        for (OutboxEntry e : fixture.services().outbox().list()) {
            assertEquals(OutboxEntry.State.SENT, e.state(), "entry " + e.id());
            assertNull(fixture.services().outbox().claimedBy(e.id()), "no claim left on " + e.id());
        }
        assertEquals(0, nodeA.deliverDue() + nodeB.deliverDue(), "nothing left to send");
    }

    @Test
    void aDeadNodesEntryShouldBeSentByAnotherNodeOnceItsClaimRunsOut() throws Exception {
        queue(1);
        OutboxEntry entry = fixture.services().outbox().list().get(0);
        Outbox deadNode = new Outbox(fixture.services().db(), dataDir, clock, "node-a/1");
        RowClaim.Held claim = deadNode.claim(entry.id(), clock).orElseThrow();
        claim.close(); // node A dies mid-attempt: no renewal, no outcome
        assertEquals("node-a/1", fixture.services().outbox().claimedBy(entry.id()));

        OutboxWorker nodeB = node("node-b/2");
        assertEquals(0, nodeB.deliverDue(), "node A's claim still holds");
        assertEquals(0, smtp.getReceivedMessages().length);

        clock.advance(RowClaim.TTL.plusSeconds(1));
        assertEquals(1, nodeB.deliverDue(), "taken over once the claim ran out");
        assertEquals(0, nodeB.deliverDue());
        assertEquals(1, smtp.getReceivedMessages().length, "sent once");
        assertEquals(OutboxEntry.State.SENT, fixture.services().outbox().get(entry.id()).orElseThrow().state());

        // node A comes back and would record its old attempt: refused, node B's outcome stands
        assertFalse(deadNode.update(entry, List.of("yann@partner.example"), List.of(), OutboxEntry.State.WAITING, 1,
                clock.instant(), "late"), "a lost claim records nothing");
        assertEquals(OutboxEntry.State.SENT, fixture.services().outbox().get(entry.id()).orElseThrow().state());
    }
}
