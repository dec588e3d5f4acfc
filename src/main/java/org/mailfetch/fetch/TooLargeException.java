package org.mailfetch.fetch;

import java.io.IOException;

/** The server sent more bytes of one message than the size limit allows; the rest was not read. */
public final class TooLargeException extends IOException {

    private final long limit;

    public TooLargeException(long limit) {
        super("the message is larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
