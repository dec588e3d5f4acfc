package org.mailfetch.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mailfetch.net.Watchdog;
import org.mailfetch.mail.EnvelopeAddress;
import org.mailfetch.recipient.LmtpTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small LMTP client (RFC 2033) for delivery into a mail store such as Dovecot, over TCP or a Unix
 * socket. One transaction per message: RCPT TO for each recipient, then DATA, after which the server
 * answers once per accepted recipient — so a 4xx for one recipient defers that recipient only.
 * (Angus Mail's SMTP transport has no LMTP mode and reports a single reply after DATA.)
 *
 * <p>A connection serves one session's messages one after another ({@link LmtpConnections}): each
 * exchange runs under its own deadline ({@link #arm}), the next transaction starts with RSET, and a
 * connection on which anything went wrong — a failed read or write, a reply that breaks the protocol,
 * the deadline, bytes nobody asked for — is {@linkplain #reusable() never used again}.
 */
final class LmtpClient implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LmtpClient.class);

    /** What a recipient gets that is never sent to the server because it is not a plain envelope address. */
    static final SmtpReply UNSAFE_RECIPIENT = new SmtpReply(553,
            "553 5.1.3 refused by mailfetch: not a plain ASCII address, cannot go into RCPT TO");

    private final Closeable connection;
    /** The Unix socket's channel (null over TCP): its stream cannot tell whether bytes wait, the channel can. */
    private final SocketChannel unixChannel;
    private final InputStream in;
    private final OutputStream out;
    private Watchdog deadline;
    /** The replies' deadline set at the end of DATA (see {@link EndOfData}); null before. */
    private Watchdog repliesDeadline;
    /** Something went wrong on this connection: its state is unknown, it serves no further message. */
    private boolean broken;

    private LmtpClient(Closeable connection, InputStream in, OutputStream out, Duration deadline) {
        this.connection = connection;
        this.unixChannel = connection instanceof SocketChannel ch ? ch : null;
        // the read timeout bounds each read (and a Unix socket has none): the whole exchange is bounded too
        this.deadline = Watchdog.closeAfter(connection, deadline);
        this.in = new BufferedInputStream(in);
        this.out = new BufferedOutputStream(out, 65536);
    }

    /** Starts the deadline of the next exchange on this connection: when it passes, the connection is closed. */
    void arm(Duration limit) {
        deadline.cancel();
        deadline = Watchdog.closeAfter(connection, limit);
    }

    /** Ends the current exchange's deadline; a deadline that already passed leaves the connection broken. */
    void disarm() {
        deadline.cancel();
        if (deadline.expired()) {
            broken = true;
        }
        if (repliesDeadline != null) {
            repliesDeadline.cancel();
            if (repliesDeadline.expired()) {
                broken = true;
            }
            repliesDeadline = null;
        }
    }

    /**
     * Asked right before the end of DATA — the final dot, after which the store delivers and nothing
     * can be taken back — whether the message may still go, and how long its replies may take.
     */
    @FunctionalInterface
    interface EndOfData {
        /** How long from now the replies may take; throws when the message must not be delivered now. */
        Duration beforeEnd() throws IOException;
    }

    /**
     * Whether another transaction may use this connection: nothing failed on it, and the server sent
     * nothing unasked (say a 421 before hanging up, or a stray reply that would be read as the answer
     * to the next command, and could make a refused recipient look accepted).
     */
    boolean reusable() {
        if (broken) {
            return false;
        }
        try {
            if (in.available() > 0 || unixBytesWaiting()) {
                broken = true;
            }
        } catch (IOException e) {
            broken = true;
        }
        return !broken;
    }

    /**
     * Whether the Unix socket holds unread bytes (or the end of the stream): a read that does not
     * wait. Over TCP {@code available()} already asks the socket.
     */
    private boolean unixBytesWaiting() throws IOException {
        if (unixChannel == null) {
            return false;
        }
        synchronized (unixChannel.blockingLock()) {
            unixChannel.configureBlocking(false);
            try {
                return unixChannel.read(java.nio.ByteBuffer.allocate(1)) != 0;
            } finally {
                unixChannel.configureBlocking(true);
            }
        }
    }

    /** RSET before the next transaction on a connection used before; anything but 250 breaks the connection. */
    void reset() throws IOException {
        try {
            SmtpReply r = command("RSET");
            if (r.code() != 250) {
                throw new IOException("LMTP RSET answered " + r.text());
            }
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * Connects and says LHLO. {@code timeout} bounds each read over TCP; {@code deadline} bounds the
     * whole exchange (TCP and Unix socket alike), after which the connection is closed.
     */
    static LmtpClient connect(LmtpTarget target, Duration timeout, Duration deadline) throws IOException {
        LmtpClient client;
        if (target.isUnixSocket()) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(target.socket()));
            client = new LmtpClient(ch, Channels.newInputStream(ch), Channels.newOutputStream(ch), deadline);
        } else {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(target.host(), target.port()), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            client = new LmtpClient(s, s.getInputStream(), s.getOutputStream(), deadline);
        }
        try {
            client.expect(client.reply(), "greeting");
            client.expect(client.command("LHLO " + java.net.InetAddress.getLoopbackAddress().getHostName()), "LHLO");
            return client;
        } catch (IOException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Delivers {@code header} + {@code body} to the recipients; returns each recipient's reply. A failed
     * MAIL FROM or DATA command gives every recipient that reply.
     */
    Map<String, SmtpReply> deliver(String envelopeFrom, List<String> recipients, byte[] header, InputStream body,
            EndOfData endOfData) throws IOException {
        try {
            return transaction(envelopeFrom, recipients, header, body, endOfData);
        } catch (IOException | RuntimeException e) {
            broken = true; // half a transaction, or a body that failed while the server took DATA
            throw e;
        }
    }

    private Map<String, SmtpReply> transaction(String envelopeFrom, List<String> recipients, byte[] header,
            InputStream body, EndOfData endOfData) throws IOException {
        Map<String, SmtpReply> replies = new LinkedHashMap<>();
        // a sender that cannot go into the envelope as it is becomes the null sender
        SmtpReply mail = command("MAIL FROM:" + EnvelopeAddress.reversePath(envelopeFrom));
        if (!mail.ok()) {
            recipients.forEach(r -> replies.put(r, mail));
            resetAfterRefusal();
            return replies;
        }
        List<String> accepted = new ArrayList<>();
        for (String r : recipients) {
            if (!EnvelopeAddress.isSafe(r)) {
                replies.put(r, UNSAFE_RECIPIENT);
                continue;
            }
            SmtpReply rcpt = command("RCPT TO:<" + r + ">");
            replies.put(r, rcpt);
            if (rcpt.ok()) {
                accepted.add(r);
            }
        }
        if (accepted.isEmpty()) {
            resetAfterRefusal();
            return replies;
        }
        SmtpReply data = command("DATA");
        if (data.code() != 354 && data.code() < 400) {
            // never taken for the recipients' answer: a 250 here is a reply out of step, not a delivery
            throw new IOException("LMTP DATA answered " + data.text());
        }
        if (data.code() != 354) {
            accepted.forEach(r -> replies.put(r, data));
            resetAfterRefusal();
            return replies;
        }
        DotStuffing stuffed = new DotStuffing(out);
        stuffed.write(header);
        body.transferTo(stuffed);
        // Not flushed first: the dot then leaves with the body's last bytes; alone in a segment of its own
        // it waited for the delayed ACK of the one before (Nagle), 40 ms a message.
        Duration within = endOfData.beforeEnd(); // throws: the connection is dropped, the store delivers nothing
        repliesDeadline = Watchdog.closeAfter(connection, within);
        stuffed.end();
        out.flush();
        for (String r : accepted) { // one reply per accepted recipient, in RCPT order
            try {
                replies.put(r, reply());
            } catch (IOException e) {
                broken = true;
                // The replies read so far stand: those recipients have the message and are recorded, so
                // the next session delivers only to the rest (a lost 250 would deliver them twice).
                replies.put(r, new SmtpReply(451, "451 4.4.2 no reply from the store after DATA: "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
            }
        }
        return replies;
    }

    /** Ends a transaction the server refused; a connection whose RSET fails is not used again. */
    private void resetAfterRefusal() throws IOException {
        if (command("RSET").code() != 250) {
            broken = true;
        }
    }

    /**
     * Writes one command line. The last line of defence against command injection: a line holding
     * CR, LF, any other control character or a non-ASCII character is never written.
     */
    private SmtpReply command(String line) throws IOException {
        requireCommandSafe(line);
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply();
    }

    /** Throws unless every character of the command line is printable ASCII (or a space). */
    static void requireCommandSafe(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("refusing to send an LMTP command with the character "
                        + String.format("0x%02x", (int) c) + " at " + i);
            }
        }
    }

    private static void expect(SmtpReply r, String what) throws IOException {
        if (!r.ok()) {
            throw new IOException("LMTP " + what + " refused: " + r.text());
        }
    }

    /** Reads one possibly multi-line reply, bounded (see {@link SmtpReply#read}). */
    private SmtpReply reply() throws IOException {
        SmtpReply r = SmtpReply.read(in);
        if (r.code() == 421) {
            broken = true; // the server is closing the connection
        }
        return r;
    }

    /**
     * Says QUIT and hangs up. Never throws: the transaction's outcome is in the replies already read,
     * and a failure to close must not turn recorded 250s into a deferral (and a second delivery).
     */
    @Override
    public void close() {
        deadline.cancel();
        // not on a broken connection: in the middle of DATA a QUIT would only be more of the message
        if (!broken) {
            try {
                out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException gone) {
                // the store hung up first: nothing is left to say
            }
        }
        try {
            connection.close();
        } catch (IOException e) {
            LOG.debug("closing the LMTP connection: {}", e.getMessage());
        }
    }

    /** LF or CRLF lines to CRLF, a leading dot doubled, and the final ".": the DATA encoding. */
    private static final class DotStuffing extends OutputStream {
        private final OutputStream out;
        private boolean lineStart = true;
        private boolean cr;

        DotStuffing(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (b == '\n') {
                out.write('\r');
                out.write('\n');
                lineStart = true;
                cr = false;
                return;
            }
            if (cr) {
                out.write('\r');
            }
            cr = b == '\r';
            if (cr) {
                return;
            }
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = false;
        }

        void end() throws IOException {
            if (cr) {
                out.write('\r');
                cr = false;
                lineStart = false;
            }
            if (!lineStart) {
                out.write('\r');
                out.write('\n');
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }
}
