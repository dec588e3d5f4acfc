package org.mailfetch.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mailfetch.recipient.LmtpTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LMTP connections of one fetch session, one per target: opened when the first message for that
 * target comes, used for the next message after RSET, and closed with QUIT when the session ends
 * ({@link #close()}, also after a failure). A connection the server closed, or on which anything went
 * wrong, is replaced by a new one before the next message; nothing of that message was sent on the
 * old one, so it cannot arrive twice. Used by the session's one delivery thread only.
 */
public final class LmtpConnections implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LmtpConnections.class);

    private final Map<LmtpTarget, LmtpClient> idle = new HashMap<>();
    private boolean closed;

    /**
     * A connection to {@code target} ready for a transaction, its exchange bounded by {@code deadline}:
     * the idle one after a successful RSET, else a new one. Give it back with {@link #release}.
     */
    LmtpClient acquire(LmtpTarget target, Duration timeout, Duration deadline) throws IOException {
        if (closed) {
            throw new IllegalStateException("the session's LMTP connections are closed");
        }
        LmtpClient kept = idle.remove(target);
        if (kept != null) {
            if (kept.reusable()) {
                kept.arm(deadline);
                try {
                    kept.reset();
                    return kept;
                } catch (IOException | RuntimeException e) {
                    LOG.debug("LMTP {}: the open connection is gone ({}); connecting again", target, e.getMessage());
                }
            } else {
                LOG.debug("LMTP {}: the open connection cannot be used again; connecting again", target);
            }
            kept.close();
        }
        return LmtpClient.connect(target, timeout, deadline);
    }

    /** Takes a connection back after its transaction: kept for the next message if it is sound, else closed. */
    void release(LmtpTarget target, LmtpClient client) {
        client.disarm();
        if (!closed && client.reusable()) {
            LmtpClient other = idle.put(target, client);
            if (other != null) {
                other.close();
            }
        } else {
            client.close();
        }
    }

    /** QUITs every open connection; never throws. */
    @Override
    public void close() {
        closed = true;
        List<LmtpClient> all = new ArrayList<>(idle.values());
        idle.clear();
        all.forEach(LmtpClient::close);
    }
}
