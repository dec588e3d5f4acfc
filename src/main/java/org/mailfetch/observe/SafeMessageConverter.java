package org.mailfetch.observe;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.mailfetch.mail.Printable;

/**
 * Logback's {@code %safeMsg}: the formatted message with every control character escaped. Log lines
 * quote server replies, header values, UIDLs and addresses; escaping at the one place where all of
 * them are written means no caller can forget it, and no message or server can forge a log line,
 * hide one behind a carriage return, or send ANSI sequences to an operator's terminal.
 */
public final class SafeMessageConverter extends ClassicConverter {

    /** Longer than any line we write ourselves; a hostile value quoted in full cannot flood the log. */
    private static final int MAX_CHARS = 8192;

    @Override
    public String convert(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        return message == null ? "" : Printable.escape(message, MAX_CHARS);
    }
}
