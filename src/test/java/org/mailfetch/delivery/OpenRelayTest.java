package org.mailfetch.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.user.GreenMailUser;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.MutableClock;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.RoutedMail;
import org.mailfetch.testsupport.ScriptedSmtpServer;
import org.mailfetch.recipient.SmtpRoute;

/**
 * Issue 8, item 1: a sender must not make a route relay to a foreign domain. The SMTP sink records
 * every command line; no RCPT TO may name anything but the route's own domain.
 */
class OpenRelayTest {

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private GreenMailUser box;
    private MailfetchFixture fixture;
    private ScriptedSmtpServer sink;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        pop3 = new Pop3Server();
        box = pop3.user("box", "secret");
        fixture = new MailfetchFixture(dataDir);
        sink = new ScriptedSmtpServer("250 2.1.5 ok");
        fixture.services().smtpRoutes().add("routed.example", "127.0.0.1", sink.port(), false, null, null);
    }

    @AfterEach
    void tearDown() throws Exception {
        sink.close();
        fixture.close();
        pop3.close();
    }

    @Test
    void aQuotedLocalPartFullOfCommasShouldNeverBecomeARcptToAForeignDomain() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        RoutedMail.put(box, "relay attempt", "To: \"x,victim@elsewhere.example,y\"@routed.example, zoe@routed.example");

        fixture.fetch(a.id(), clock);
        RoutedMail.deliverOutbox(fixture, clock);

        assertEquals(List.of("RCPT TO:<zoe@routed.example>"), rcpts(), "only the route's own, plain address");
        assertEquals(1, sink.messages(), "the legitimate recipient still gets it");
    }

    @Test
    void aPercentHackOrBangPathInARoutedLocalPartShouldGoToTheOwnerNotToTheRelay() throws Exception {
        Account a = RoutedMail.catchAllAccount(fixture, pop3.port(), true);
        RoutedMail.put(box, "percent hack", "To: victim%elsewhere.example@routed.example, elsewhere.example!victim@routed.example");

        fixture.fetch(a.id(), clock);
        RoutedMail.deliverOutbox(fixture, clock);

        assertEquals(List.of(), rcpts(), "a relay doing the percent hack or bang paths would forward these");
        assertEquals(1, fixture.delivered(MailfetchFixture.OWNER).size(), "the owner has it instead");
    }

    @Test
    void theSenderShouldRefuseEveryRecipientOutsideTheRoutesDomainRightBeforeRcptTo() throws Exception {
        Path file = Files.writeString(dataDir.resolve("m.eml"), "From: a@example.org\nSubject: x\n\nbody\n");
        SmtpRoute route = fixture.services().smtpRoutes().forDomain("routed.example").orElseThrow();

        Map<String, SmtpSender.Result> results = new SmtpSender(Duration.ofSeconds(5)).send(route, null, file,
                "a@example.org", List.of("victim@elsewhere.example", "x", "zoe@routed.example",
                        "evil@routed.example.elsewhere.example", "v%elsewhere.example@routed.example",
                        "elsewhere.example!v@routed.example", "bob@routed.example>\r\nRCPT TO:<v@elsewhere.example"));

        assertEquals(List.of("RCPT TO:<zoe@routed.example>"), rcpts());
        assertEquals(SmtpSender.Outcome.SENT, results.get("zoe@routed.example").outcome());
        results.forEach((r, res) -> assertTrue(r.equals("zoe@routed.example") || res.outcome() == SmtpSender.Outcome.PERMANENT,
                r + ": " + res));
    }

    @Test
    void commaJoinedRecipientsQueuedBeforeTheUpgradeShouldBecomeOneRowEachAndSendOnlyToTheRoute() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:relay" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("4").load().migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO local_domain (name) VALUES ('example.com')");
            s.execute("INSERT INTO mailbox (address, domain, local_part) VALUES ('alice@example.com', 'example.com', 'alice')");
            s.execute("INSERT INTO external_account (id, name, enabled, protocol, host, port, security, user_name,"
                    + " password_enc, interval_minutes, mime_recipients, recipient_headers, envelope_headers,"
                    + " route_recipients, received_date, antispam, antivirus, delete_mode, delete_after_days,"
                    + " owner_address, created_at) VALUES (1, 'n', TRUE, 'pop3', 'h', 110, 'none', 'u', 'p', 30, TRUE,"
                    + " 'To', 'Delivered-To', TRUE, FALSE, FALSE, FALSE, 'NEVER', 0, 'alice@example.com', CURRENT_TIMESTAMP)");
            s.execute("INSERT INTO outbox (id, account_id, uidl, route_domain, envelope_from, recipients,"
                    + " failed_recipients, file_name, size_bytes, state, attempts, created_at, next_attempt_at) VALUES"
                    + " (7, 1, 'u1', 'routed.example', 'a@example.org',"
                    + " 'x,victim@elsewhere.example,y@routed.example,zoe@routed.example', 'old@routed.example',"
                    + " '7.eml', 10, 'WAITING', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
        }

        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();

        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT list_name, recipient FROM outbox_recipient WHERE outbox_id = 7"
                     + " ORDER BY list_name, seq")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2));
            }
        }
        assertEquals(List.of("FAILED old@routed.example", "TO_SEND x", "TO_SEND victim@elsewhere.example",
                "TO_SEND y@routed.example", "TO_SEND zoe@routed.example"), rows);
    }

    private List<String> rcpts() {
        return sink.commands().stream().filter(l -> l.toUpperCase().startsWith("RCPT")).toList();
    }
}
