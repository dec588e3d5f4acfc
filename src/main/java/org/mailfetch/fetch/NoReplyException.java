package org.mailfetch.fetch;

import java.io.IOException;

/**
 * A command got no status line at all (the connection was cut or timed out before the reply): the
 * fault lies with the connection, not with a message, so the command may be retried on a new one.
 */
public final class NoReplyException extends IOException {

    public NoReplyException(String command, IOException cause) {
        super("no reply to " + command + ": " + cause.getMessage(), cause);
    }
}
