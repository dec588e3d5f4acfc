package org.mailfetch.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;
import org.mailfetch.mail.Printable;
import org.slf4j.LoggerFactory;

/** What a hostile server or sender writes cannot forge, hide or colour a log line. */
class LogEscapingTest {

    private static final String HOSTILE = "-ERR no\r\n2026-11-29 06:00:00.000 INFO  [main] FetchSession - forged\u001b[2J\u202e";

    /** The pattern of the shipped logback.xml, laid out in the context that file configured. */
    private static String layout(String message, Throwable thrown) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("%safeMsg%n%safeEx");
        layout.start();
        Logger logger = context.getLogger("org.mailfetch.test");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "reply: {}", thrown,
                new Object[] {message});
        return layout.doLayout(event);
    }

    @Test
    void aServerReplyWithLineBreaksAndEscapeSequencesStaysOnOneEscapedLine() {
        String line = layout(HOSTILE, null);
        String message = line.substring(0, line.indexOf(System.lineSeparator()));
        assertEquals(line, message + System.lineSeparator(), "one line only: " + line);
        assertFalse(message.contains("\r") || message.contains("\u001b") || message.contains("\u202e"), message);
        assertTrue(message.contains("-ERR no\\x0d\\x0a2026-11-29"), message);
        assertTrue(message.contains("\\x1b[2J\\u202e"), message);
    }

    @Test
    void anExceptionMessageQuotingAServerIsEscapedInTheStackTrace() {
        String out = layout("x", new IllegalStateException(HOSTILE, new RuntimeException("cause\nforged line")));
        assertFalse(out.contains("\u001b") || out.contains("\r"), out);
        assertTrue(out.contains("-ERR no\\x0d\\x0a2026"), out);
        assertTrue(out.contains("cause\\x0aforged line"), out);
        for (String l : out.split(System.lineSeparator())) {
            assertFalse(l.startsWith("forged") || l.startsWith("2026-11-29"), "a forged line: " + l);
        }
    }

    @Test
    void printableEscapesBackslashesSoEveryEscapeInTheOutputIsOurs() {
        assertEquals("a\\\\x0d b\\x0d", Printable.of("a\\x0d b\r"));
        assertEquals("plain text stays", Printable.of("plain text stays"));
        assertEquals("null", Printable.of(null));
        assertTrue(Printable.of("y".repeat(5000)).endsWith("...(3000 more chars)"));
    }
}
