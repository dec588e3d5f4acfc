package org.mailfetch.observe;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import org.mailfetch.mail.Printable;

/**
 * Logback's {@code %safeEx}: stack traces as usual, but each exception's message escaped like
 * {@link SafeMessageConverter} does, since exception messages often quote a server's reply.
 */
public final class SafeThrowableConverter extends ThrowableProxyConverter {

    @Override
    protected String throwableProxyToString(IThrowableProxy tp) {
        return super.throwableProxyToString(new Escaped(tp));
    }

    /** The same exception with its message, and those of its causes and suppressed ones, escaped. */
    private record Escaped(IThrowableProxy tp) implements IThrowableProxy {

        private static IThrowableProxy wrap(IThrowableProxy tp) {
            return tp == null ? null : new Escaped(tp);
        }

        @Override
        public String getMessage() {
            return tp.getMessage() == null ? null : Printable.of(tp.getMessage());
        }

        @Override
        public String getClassName() {
            return tp.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return tp.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return tp.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return wrap(tp.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] s = tp.getSuppressed();
            if (s == null) {
                return null;
            }
            IThrowableProxy[] out = new IThrowableProxy[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = wrap(s[i]);
            }
            return out;
        }

        @Override
        public boolean isCyclic() {
            return tp.isCyclic();
        }
    }
}
