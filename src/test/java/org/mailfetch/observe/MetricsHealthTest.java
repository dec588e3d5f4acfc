package org.mailfetch.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailfetch.mail.MessageLog;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.api.AdminHttp;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.AdminClient;
import org.mailfetch.testsupport.Eventually;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.slf4j.LoggerFactory;

/** Prometheus metrics per account, the health endpoint, and the session's progress and summary log lines. */
class MetricsHealthTest {

    private static final String ADMIN_PASSWORD = "metrics-Pa55word";

    @TempDir
    Path dataDir;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private FetchEngine service;
    private AdminClient admin;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        log.start();
        root().addAppender(log);
        pop3 = new Pop3Server();
        Properties extra = new Properties();
        extra.setProperty("mailfetch.fetch.progress-every", "2");
        extra.setProperty("mailfetch.node.name", "node-a");
        fixture = new MailfetchFixture(dataDir, extra);
        new AdminPassword(fixture.services().db()).set(ADMIN_PASSWORD);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();
        admin = new AdminClient(AdminHttp.port(service.camel()), "admin", ADMIN_PASSWORD);
    }

    @AfterEach
    void tearDown() throws Exception {
        root().detachAppender(log);
        service.close();
        fixture.close();
        pop3.close();
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void sessionsShouldShowUpAsPerAccountMetricsAndLogProgressAndASummary() throws Exception {
        GreenMailUser max = pop3.user("max", "pw");
        for (int i = 0; i < 5; i++) {
            pop3.deliver(max);
        }
        Account a = fixture.addAccount("max", pop3.port(), "max", "pw", DeleteMode.IMMEDIATELY);
        Account bad = fixture.addAccount("bad", pop3.port(), "max", "wrong", DeleteMode.NEVER);
        String id = String.valueOf(a.id());
        // disabled, fetched by download now: no dependence on the timer's first run
        fixture.services().accounts().setEnabled(a.id(), false);
        fixture.services().accounts().setEnabled(bad.id(), false);
        service.sessions().downloadNow(a.id());
        service.sessions().downloadNow(bad.id());
        Eventually.await("both accounts fetched once", Duration.ofSeconds(15),
                () -> "ok".equals(fixture.services().status().get(a.id()).lastResult())
                        && "failed".equals(fixture.services().status().get(bad.id()).lastResult()));

        Eventually.await("metrics", Duration.ofSeconds(5),
                () -> admin.get("/observe/metrics").body().contains("mailfetch_messages_downloaded_total{account=\"" + id + "\",node=\"node-a\"} 5.0"));
        String metrics = admin.get("/observe/metrics").body();
        for (String line : List.of(
                "mailfetch_deliveries_total{account=\"" + id + "\",node=\"node-a\",target=\"maildir\"} 5.0",
                "mailfetch_deliveries_total{account=\"" + id + "\",node=\"node-a\",target=\"quarantine\"} 0.0",
                "mailfetch_messages_deleted_total{account=\"" + id + "\",node=\"node-a\"} 5.0",
                "mailfetch_sessions_total{account=\"" + id + "\",node=\"node-a\",result=\"ok\"} 1.0",
                "mailfetch_failures_total{account=\"" + bad.id() + "\",kind=\"login\",node=\"node-a\"} 1.0",
                "mailfetch_session_duration_seconds_count{account=\"" + id + "\",node=\"node-a\",result=\"ok\"} 1")) {
            assertTrue(metrics.contains(line), line + " in\n" + metrics);
        }
        assertTrue(metrics.matches("(?s).*mailfetch_downloaded_bytes_total\\{account=\"" + id + "\",node=\"node-a\"} [1-9].*"),
                metrics);
        // every series carries the node, Camel's own too
        assertTrue(metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).allMatch(l -> l.contains("node=\"node-a\"")),
                metrics);

        // the node that ran the last session: in the status and the REST API
        assertEquals("node-a", fixture.services().status().get(a.id()).lastNode());
        String json = admin.get("/api/accounts/" + id).body();
        assertTrue(json.matches("(?s).*\"lastNode\"\\s*:\\s*\"node-a\".*"), json);

        // as the log layout shows them: the account comes from the session's log context (%mailContext)
        List<String> lines = log.list.stream()
                .map(e -> MessageLog.prefix(e.getMDCPropertyMap()) + e.getFormattedMessage()).toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(a.label() + ": progress: 2 of 5 new messages downloaded")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(a.label() + ": progress: 4 of 5 new messages downloaded")));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(a.label() + ": session ok: downloaded 5, delivered 5, deferred 0, quarantined 0, deleted 5, failed 0")),
                lines.toString());
    }

    @Test
    void healthShouldBeDownWhileTheDatabaseIsUnreachable() throws Exception {
        HttpResponse<String> up = admin.get("/observe/health");
        assertEquals(200, up.statusCode(), up.body());
        assertTrue(up.body().contains("UP"), up.body());

        fixture.services().db().close(); // what a lost database looks like to the service

        HttpResponse<String> down = admin.get("/observe/health");
        assertEquals(503, down.statusCode(), down.body());
        assertTrue(down.body().contains("DOWN"), down.body());
    }
}
