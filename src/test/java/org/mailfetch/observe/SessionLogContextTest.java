package org.mailfetch.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.mail.MessageLog;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.slf4j.LoggerFactory;

/** Every line of a fetch session says its account, and every line about one message its UIDL, from the MDC. */
class SessionLogContextTest {

    @TempDir
    Path dataDir;

    private static String layout(ILoggingEvent event) {
        PatternLayout layout = new PatternLayout();
        layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        layout.setPattern("%mailContext%safeMsg");
        layout.start();
        return layout.doLayout(event);
    }

    @Test
    void eachDeliveredLineCarriesTheUidlOfItsOwnMessageThoughTheSplitterLooksAhead() throws Exception {
        Logger mailfetch = (Logger) LoggerFactory.getLogger("org.mailfetch");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        mailfetch.addAppender(lines);
        try (Pop3Server pop3 = new Pop3Server(); MailfetchFixture fixture = new MailfetchFixture(dataDir)) {
            GreenMailUser bob = pop3.user("bob", "secret");
            for (int i = 0; i < 3; i++) {
                pop3.deliver(bob);
            }
            Account a = fixture.addAccount("bob", pop3.port(), "bob", "secret", DeleteMode.NEVER);

            SessionSummary s = fixture.fetch(a.id());

            assertEquals(3, s.delivered(), s.line());
            List<ILoggingEvent> delivered = lines.list.stream()
                    .filter(e -> e.getMessage().startsWith("delivered to")).toList();
            assertEquals(3, delivered.size());
            Set<String> uidls = delivered.stream().map(e -> e.getMDCPropertyMap().get(MessageLog.UIDL))
                    .collect(Collectors.toSet());
            assertEquals(fixture.services().ledger().rows(a.id()).keySet(), uidls,
                    "each message's line names that message, none the one downloaded ahead of it");
            for (ILoggingEvent e : delivered) {
                String line = layout(e);
                assertTrue(line.startsWith(a.label() + ": UIDL " + e.getMDCPropertyMap().get(MessageLog.UIDL)
                        + ": delivered to [" + MailfetchFixture.OWNER + "]"), line);
            }
            ILoggingEvent summary = lines.list.get(lines.list.size() - 1);
            assertFalse(summary.getMDCPropertyMap().containsKey(MessageLog.ACCOUNT),
                    "the context ends with the session: " + summary.getFormattedMessage());
        } finally {
            mailfetch.detachAppender(lines);
        }
    }

    @Test
    void aHostileUidlInTheContextCannotBreakTheLine() {
        Logger logger = (Logger) LoggerFactory.getLogger("org.mailfetch.test");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "delivered", null, null);
        event.setMDCPropertyMap(Map.of(MessageLog.ACCOUNT, "account 1 (u@h)",
                MessageLog.UIDL, "x\r\n2026-11-29 INFO forged\u001b[2J"));
        String line = layout(event);
        assertFalse(line.contains("\r") || line.contains("\n") || line.contains("\u001b"), line);
        assertEquals("account 1 (u@h): UIDL x\\x0d\\x0a2026-11-29 INFO forged\\x1b[2J: delivered", line);
    }
}
