package org.mailfetch.observe;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.mailfetch.mail.MessageLog;
import org.mailfetch.mail.Printable;

/**
 * Logback's {@code %mailContext}: "account 1 (user@host): UIDL x: " from the line's MDC
 * ({@link MessageLog}), escaped like {@code %safeMsg} — a UIDL is the server's text.
 */
public final class MailContextConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return Printable.escape(MessageLog.prefix(event.getMDCPropertyMap()), Printable.MAX_CHARS);
    }
}
