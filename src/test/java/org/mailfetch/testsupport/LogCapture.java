package org.mailfetch.testsupport;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Everything org.mailfetch logs, down to TRACE, while open: for tests that a secret (a password,
 * an access token) never reaches a log line or a logged stack trace.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger("org.mailfetch");
    private final Level level = logger.getLevel();
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    public LogCapture() {
        logger.setLevel(Level.TRACE);
        events.start();
        logger.addAppender(events);
    }

    /** Each event as text: its message and, if any, its stack trace. */
    public List<String> lines() {
        return events.list.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
    }

    public void assertNeverLogged(String... secrets) {
        for (String line : lines()) {
            for (String secret : secrets) {
                assertFalse(line.contains(secret), "a secret was logged: " + line);
            }
        }
    }

    @Override
    public void close() {
        logger.detachAppender(events);
        logger.setLevel(level);
    }
}
