package org.mailfetch.fetch.pop3;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.mailfetch.mail.Credential;
import org.mailfetch.mail.OAuthSasl;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.mailfetch.mail.Security;
import org.mailfetch.net.Watchdog;
import org.mailfetch.fetch.NoReplyException;
import org.mailfetch.fetch.SessionDeadlineException;

/**
 * A small POP3 client (RFC 1939, STLS from RFC 2595, response codes from RFC 2449/3206) that bounds
 * everything a server sends: every status line, every listing line and the number of listing lines,
 * every message body, and the time the whole session may take. Commands never carry CR, LF or any
 * other control byte. Not thread-safe: one session uses one client.
 */
public final class Pop3Client implements Closeable {

    /** Longest status or listing line accepted (RFC 2449 allows 512; UIDLs may be weird and long). */
    public static final int MAX_LINE = 8192;
    /**
     * Longest line of a multi-line reply: UIDLs of 10 kB exist in the wild (they are kept by digest),
     * and memory is bounded by {@link #MAX_LISTING_BYTES} anyway.
     */
    static final int MAX_LISTING_LINE = 65536;
    /** Longest command line, CRLF included (RFC 2449 section 4): AUTH's initial response must fit in it. */
    static final int MAX_COMMAND = 255;
    /** Longest CAPA reply, in lines. */
    private static final int MAX_CAPA_LINES = 200;

    /** Where and how to connect; {@code ssl} is the trust to use for TLS (null: the JVM's default). */
    public record Endpoint(String host, int port, Security security, SSLContext ssl, Duration connectTimeout,
                           Duration readTimeout) {}

    /** One line of a LIST or UIDL listing: message number and size, or number and UIDL. */
    public record Entry(int number, String value) {}

    /** Memory one UIDL or LIST listing may take, whatever the server announces. */
    static final long MAX_LISTING_BYTES = 64L << 20;

    private final Endpoint endpoint;
    private Socket socket;
    private LineInput in;
    private OutputStream out;
    private boolean broken;
    private long deadlineNanos = Long.MAX_VALUE;
    /** Closes the socket at the deadline: covers connect, the TLS handshake and TLS records read a byte at a time. */
    private Watchdog watchdog;
    private Socket raw;
    /** RETRs sent whose replies are not read yet, oldest first: replies come in the order commands went out. */
    private final ArrayDeque<SentRetr> inFlight = new ArrayDeque<>();

    private record SentRetr(int number, long max, long listSize) {}

    private Pop3Client(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Connects, reads the greeting and, for STARTTLS, upgrades the connection; does not log in. */
    public static Pop3Client open(Endpoint endpoint, long deadlineNanos) throws IOException {
        Pop3Client c = new Pop3Client(endpoint);
        c.deadlineNanos = deadlineNanos;
        try {
            c.connect();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket plain = new Socket();
        socket = plain;
        raw = plain;
        armWatchdog();
        plain.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), (int) endpoint.connectTimeout().toMillis());
        plain.setSoTimeout((int) endpoint.readTimeout().toMillis());
        if (endpoint.security() == Security.SSL) {
            socket = tls(plain);
        }
        attach();
        expectOk(readReply("greeting"), "greeting");
        if (endpoint.security() == Security.STARTTLS || endpoint.security() == Security.STARTTLS_OPTIONAL) {
            boolean offered = capabilities().contains("STLS");
            if (!offered && endpoint.security() == Security.STARTTLS) {
                throw new Pop3Exception(Pop3Exception.Kind.REFUSED,
                        "the server does not offer STLS, and the account requires STARTTLS");
            }
            if (offered) {
                expectOk(command("STLS"), "STLS");
                if (in.buffered() > 0) {
                    throw Pop3Exception.protocol("the server sent data after its STLS reply (possible injection)");
                }
                // from here on a failure ends the session: never fall back to plaintext
                socket = tls(plain);
                attach();
            }
        }
    }

    private SSLSocket tls(Socket plain) throws IOException {
        SSLContext ctx = endpoint.ssl();
        if (ctx == null) {
            try {
                ctx = SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no TLS available: " + e.getMessage(), e);
            }
        }
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, endpoint.host(), endpoint.port(), true);
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        s.setSSLParameters(params);
        s.setSoTimeout((int) endpoint.readTimeout().toMillis());
        s.startHandshake();
        return s;
    }

    private void attach() throws IOException {
        in = new LineInput(socket.getInputStream(), socket, (int) endpoint.readTimeout().toMillis());
        in.deadline(deadlineNanos);
        out = new BufferedOutputStream(socket.getOutputStream(), 1024);
    }

    /** From now on no read waits past {@code nanoTime} (System.nanoTime()). */
    public void deadline(long nanoTime) {
        this.deadlineNanos = nanoTime;
        if (in != null) {
            in.deadline(nanoTime);
        }
        armWatchdog();
    }

    private synchronized void armWatchdog() {
        if (raw == null || deadlineNanos == Long.MAX_VALUE) {
            if (watchdog != null) {
                watchdog.cancel();
                watchdog = null;
            }
            return;
        }
        // a little after the deadline: reads normally end at it through their socket timeout
        java.time.Duration left = java.time.Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()) + 500_000_000L);
        if (watchdog == null) {
            watchdog = Watchdog.closeAfter(raw, left);
        } else {
            watchdog.moveTo(left); // once per message: moved, not cancelled and scheduled again
        }
    }

    /** Whether the connection can still carry commands (no cut, timeout or abandoned reply). */
    public boolean usable() {
        return !broken && socket != null && !socket.isClosed();
    }

    /**
     * What CAPA says: the upper-cased first word of each line, and the mechanisms of its SASL line
     * (RFC 2449), upper-cased. Both empty when the server has no CAPA.
     */
    public record Capabilities(List<String> names, List<String> sasl) {}

    /** The CAPA list, upper-cased first words; empty when the server has no CAPA. */
    public List<String> capabilities() throws IOException {
        return capa().names();
    }

    /** CAPA, with the SASL mechanisms it offers; empty when the server has no CAPA. */
    public Capabilities capa() throws IOException {
        Pop3Reply r = command("CAPA");
        List<String> caps = new ArrayList<>();
        List<String> sasl = new ArrayList<>();
        if (!r.ok()) {
            return new Capabilities(caps, sasl);
        }
        readMultiLine("CAPA", MAX_CAPA_LINES, line -> {
            String[] words = new String(line, StandardCharsets.ISO_8859_1).strip().toUpperCase(Locale.ROOT).split(" +");
            caps.add(words[0]);
            if (words[0].equals("SASL")) {
                sasl.addAll(List.of(words).subList(1, words.length));
            }
        });
        return new Capabilities(caps, sasl);
    }

    /** Logs in with the credential: USER and PASS for a password, SASL AUTH (RFC 5034) for an OAuth2 token. */
    public void login(String user, Credential credential) throws IOException {
        if (credential instanceof Credential.Password p) {
            login(user, p.secret());
        } else if (credential instanceof Credential.Bearer b) {
            authenticate(user, b);
        }
    }

    /**
     * AUTH with XOAUTH2 or OAUTHBEARER: the first of the credential's mechanisms that CAPA's SASL line
     * offers (the first of them when the server does not say). The initial response goes on the
     * command line only when the line fits RFC 2449's 255 octets with its CRLF; a longer one (tokens
     * of Microsoft's are over 1 kB) goes after the server's "+" — Microsoft refuses it otherwise.
     * The token travels only in lines sent through {@link #sendHidden}.
     */
    private void authenticate(String user, Credential.Bearer bearer) throws IOException {
        List<String> wanted = bearer.mechanisms().stream().filter(OAuthSasl::known).toList();
        if (wanted.isEmpty()) {
            throw new Pop3Exception(Pop3Exception.Kind.REFUSED, "none of the credential's SASL mechanisms "
                    + bearer.mechanisms() + " is one mailfetch speaks (XOAUTH2, OAUTHBEARER)");
        }
        List<String> offered = capa().sasl();
        String mechanism = offered.isEmpty() ? wanted.get(0) : OAuthSasl.choose(wanted, offered);
        if (mechanism == null) {
            throw new Pop3Exception(Pop3Exception.Kind.REFUSED, "the server offers SASL "
                    + Pop3Reply.shortened(String.join(" ", offered)) + ", none of " + wanted);
        }
        requireSafe(user, "user name");
        String response = OAuthSasl.base64(OAuthSasl.initialResponse(mechanism, user, endpoint.host(), endpoint.port(),
                bearer.accessToken()));
        String auth = "AUTH " + mechanism;
        byte[] reply;
        if (auth.length() + 1 + response.length() + 2 <= MAX_COMMAND) {
            reply = sendHidden(auth + " " + response, auth);
        } else {
            byte[] go = sendHidden(auth, auth);
            if (!continuation(go)) {
                Pop3Reply r = parseOrBreak(go);
                // the token was not sent: the server refuses the mechanism, not the token
                throw r.ok() ? Pop3Exception.protocol("+OK to " + auth + " before any response")
                        : new Pop3Exception(r.temporary() ? Pop3Exception.Kind.TEMPORARY : Pop3Exception.Kind.REFUSED,
                                auth + " refused: " + r);
            }
            reply = sendHidden(response, auth + " response");
        }
        if (continuation(reply)) {
            // the error challenge (base64 JSON): answer it as the mechanism says, then the -ERR follows
            reply = sendHidden(OAuthSasl.base64(OAuthSasl.errorChallengeAnswer(mechanism)), auth + " error challenge");
            Pop3Reply r = parseOrBreak(reply);
            if (r.ok()) {
                broken = true;
                throw Pop3Exception.protocol("+OK after the error challenge of " + auth);
            }
            throw loginRefused(r);
        }
        Pop3Reply r = parseOrBreak(reply);
        if (!r.ok()) {
            throw loginRefused(r);
        }
    }

    /** A SASL continuation: "+" alone or "+ " and a challenge, never "+OK". */
    private static boolean continuation(byte[] line) {
        return line.length >= 1 && line[0] == '+' && (line.length == 1 || line[1] == ' ');
    }

    private Pop3Reply parseOrBreak(byte[] line) throws Pop3Exception {
        try {
            return Pop3Reply.parse(line);
        } catch (Pop3Exception e) {
            broken = true;
            throw e;
        }
    }

    /** USER and PASS. A refusal is a login failure unless its response code says "temporary". */
    public void login(String user, String password) throws IOException {
        requireSafe(user, "user name");
        requireSafe(password, "password");
        Pop3Reply u = command("USER " + user);
        if (!u.ok()) {
            throw loginRefused(u);
        }
        Pop3Reply p = commandHidden("PASS " + password, "PASS *");
        if (!p.ok()) {
            throw loginRefused(p);
        }
    }

    private static Pop3Exception loginRefused(Pop3Reply r) {
        if (r.temporary()) {
            return new Pop3Exception(Pop3Exception.Kind.TEMPORARY, "the server is busy, try later: " + r);
        }
        if (r.code() != null && !r.code().equals("AUTH")) {
            // e.g. [SYS/PERM]: the server's problem, not the password's
            return new Pop3Exception(Pop3Exception.Kind.REFUSED, "login not possible: " + r);
        }
        return new Pop3Exception(Pop3Exception.Kind.LOGIN_REFUSED, r.toString());
    }

    /** STAT: the number of messages. */
    public int stat() throws IOException {
        Pop3Reply r = command("STAT");
        expectOk(r, "STAT");
        String[] words = r.text().split(" ", 3);
        return Listings.count(words[0], "STAT");
    }

    /**
     * UIDL or LIST as (number, value) lines; at most {@code count} lines (the STAT count), each
     * number 1..count. Returns null when the server refuses the command (-ERR).
     */
    public List<Entry> listing(String command, int count) throws IOException {
        List<Entry> entries = new ArrayList<>(Math.min(count, 4096));
        return readListing(command(command), command, count, (n, v) -> entries.add(new Entry(n, v))) ? entries : null;
    }

    /** Takes one line of a UIDL or LIST listing: the message number (1..count) and its value. */
    @FunctionalInterface
    public interface ListingLine {
        void accept(int number, String value) throws IOException;
    }

    /** Whether the server answered UIDL, and LIST, with +OK (a refused one handed no line to its sink). */
    public record Answered(boolean uidl, boolean list) {}

    /**
     * LIST and UIDL of the {@code count} messages STAT gave, each line handed to its sink as it is read,
     * so that the caller can keep a big listing compactly (nothing is kept here). {@code pipelined}: both
     * commands leave in one write and the replies are read in turn (RFC 2449 PIPELINING: only for a
     * server whose CAPA announces it), so that the server writes the second listing while the first is
     * parsed; else UIDL waits for the end of LIST's reply. The values are those of {@link #listing}.
     */
    public Answered listAndUidl(int count, boolean pipelined, ListingLine sizes, ListingLine uidls) throws IOException {
        if (!pipelined) {
            boolean list = readListing(command("LIST"), "LIST", count, sizes);
            return new Answered(readListing(command("UIDL"), "UIDL", count, uidls), list);
        }
        if (!usable()) {
            throw new IOException("the connection is no longer usable for LIST");
        }
        try {
            out.write("LIST\r\nUIDL\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw e;
        }
        boolean list = readListing(parseOrBreak(readLineOrBreak("the reply to LIST")), "LIST", count, sizes);
        return new Answered(readListing(parseOrBreak(readLineOrBreak("the reply to UIDL")), "UIDL", count, uidls), list);
    }

    private byte[] readLineOrBreak(String what) throws IOException {
        try {
            return in.readLine(MAX_LINE, what);
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * The lines of a listing after its status line {@code r}; false (and nothing read) for -ERR. Only
     * what is needed reaches the sink, so that count x line length cannot fill the heap: a LIST line's
     * size, and a long UIDL's digest (the key it gets anyway); more than {@link #MAX_LISTING_BYTES}
     * of that is a protocol error.
     */
    private boolean readListing(Pop3Reply r, String command, int count, ListingLine sink) throws IOException {
        if (!r.ok()) {
            return false;
        }
        long[] kept = {0};
        readMultiLine(command, count, line -> {
            Entry e = Listings.entry(line, count, command);
            String v = e.value();
            if (command.equals("LIST")) {
                int sp = v.indexOf(' ');
                v = sp < 0 ? v : v.substring(0, sp);
            } else if (v.length() > Listings.MAX_PLAIN_UIDL) {
                v = Listings.digestKey(v);
            }
            kept[0] += v.length() + 32;
            if (kept[0] > MAX_LISTING_BYTES) {
                throw Pop3Exception.protocol(command + " reply holds more than " + (MAX_LISTING_BYTES >> 20)
                        + " MiB of listing");
            }
            sink.accept(e.number(), v);
        });
        return true;
    }

    /**
     * RETR: streams the message, dot-unstuffed and with its line endings as sent, into {@code sink};
     * at most {@code max} bytes (then {@link TooLargeException}, and this connection is unusable).
     * Returns the number of bytes written. When RETR of this message was {@link #sendRetr sent ahead},
     * its reply is the one read; the replies to RETRs sent before it (or, when it was not sent, to all
     * sent ahead) are read and thrown away first.
     */
    public long retrieve(int number, OutputStream sink, long max) throws IOException {
        if (!inFlight.isEmpty() && !nextInFlight(number)) {
            boolean sentAhead = inFlight.stream().anyMatch(r -> r.number() == number);
            discardInFlight(sentAhead ? number : 0);
        }
        if (inFlight.isEmpty()) {
            sendRetr(number, max, -1);
        }
        return readRetr(sink, max);
    }

    /**
     * Sends RETR for a message whose reply a later {@link #retrieve} of it reads, without waiting for
     * the replies before (RFC 2449 PIPELINING: only for a server whose CAPA announces it). Replies come
     * in the order the commands went out; {@code max} bounds the body should it be thrown away, and
     * {@code listSize} (LIST's size, -1: unknown) counts toward {@link #bytesInFlight()}.
     */
    public void sendRetr(int number, long max, long listSize) throws IOException {
        String line = "RETR " + number;
        if (!usable()) {
            throw new NoReplyException(line, new IOException("the connection is no longer usable"));
        }
        try {
            // not flushed: the commands sent ahead leave together, with the first read
            out.write(line.getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
        } catch (IOException e) {
            broken = true;
            throw new NoReplyException(line, e);
        }
        inFlight.addLast(new SentRetr(number, max, Math.max(0, listSize)));
    }

    /** Whether the oldest RETR in flight is the one for message {@code number}. */
    public boolean nextInFlight(int number) {
        return !inFlight.isEmpty() && inFlight.peekFirst().number() == number;
    }

    /** How many RETRs were sent whose replies are not read yet. */
    public int retrsInFlight() {
        return inFlight.size();
    }

    /** The LIST sizes of the RETRs in flight, summed: what the server may still be sending. */
    public long bytesInFlight() {
        long sum = 0;
        for (SentRetr r : inFlight) {
            sum += r.listSize();
        }
        return sum;
    }

    /** Reads the reply to the oldest RETR in flight into {@code sink}. */
    private long readRetr(OutputStream sink, long max) throws IOException {
        SentRetr sent = inFlight.removeFirst();
        String what = "RETR " + sent.number();
        Pop3Reply r;
        try {
            out.flush();
            r = parseOrBreak(in.readLine(MAX_LINE, "the reply to RETR"));
        } catch (Pop3Exception | SessionDeadlineException e) {
            broken = true;
            throw e;
        } catch (IOException e) {
            broken = true;
            throw new NoReplyException(what, e);
        }
        expectOk(r, what);
        return body(sink, max);
    }

    /**
     * Reads the replies to the RETRs in flight before the one for message {@code upTo} (0: all of them)
     * and throws the messages away, so that the next reply read is the one wanted: never more replies
     * read than commands sent, and none taken for another's.
     */
    private void discardInFlight(int upTo) throws IOException {
        while (!inFlight.isEmpty() && inFlight.peekFirst().number() != upTo) {
            try {
                readRetr(OutputStream.nullOutputStream(), inFlight.peekFirst().max());
            } catch (Pop3Exception e) {
                if (!usable()) {
                    throw e;
                }
                // a -ERR to a RETR nobody waits for any more: its reply has been read, go on
            }
        }
    }

    /** TOP n 0: the header block of a message, at most {@code max} bytes. */
    public byte[] headers(int number, int max) throws IOException {
        Pop3Reply r = command("TOP " + number + " 0");
        if (!r.ok()) {
            return null;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        body(b, max);
        return b.toByteArray();
    }

    private long body(OutputStream sink, long max) throws IOException {
        try {
            return in.streamBody(sink, max);
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /** DELE: whether the server accepted it (it applies at QUIT). */
    public Pop3Reply delete(int number) throws IOException {
        return command("DELE " + number);
    }

    /** QUIT: only +OK means the server applied the DELEs (RFC 1939, UPDATE state). */
    public Pop3Reply quit() throws IOException {
        try {
            return command("QUIT");
        } finally {
            close();
        }
    }

    /** Sends one command and reads its status line. */
    public Pop3Reply command(String line) throws IOException {
        return commandHidden(line, line);
    }

    private Pop3Reply commandHidden(String line, String shown) throws IOException {
        return parseOrBreak(sendHidden(line, shown));
    }

    /**
     * Sends one line and reads the line that answers it, raw (a SASL continuation is no POP3 reply);
     * errors name only {@code shown}, never the line, which may hold a secret.
     */
    private byte[] sendHidden(String line, String shown) throws IOException {
        requireSafe(line, "command");
        if (!usable()) {
            throw new IOException("the connection is no longer usable for " + shown);
        }
        discardInFlight(0);
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.write('\r');
            out.write('\n');
            out.flush();
            return in.readLine(MAX_LINE, "the reply to " + shown.split(" ", 2)[0]);
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    private Pop3Reply readReply(String what) throws IOException {
        return Pop3Reply.parse(in.readLine(MAX_LINE, "the reply to " + what));
    }

    private interface LineSink {
        void accept(byte[] line) throws IOException;
    }

    /** The lines of a multi-line reply up to "."; more than {@code maxLines} lines is a protocol error. */
    private void readMultiLine(String what, int maxLines, LineSink sink) throws IOException {
        try {
            int n = 0;
            while (true) {
                byte[] line = in.readLine(MAX_LISTING_LINE, "a line of the " + what + " reply");
                if (line.length == 1 && line[0] == '.') {
                    return;
                }
                if (++n > maxLines) {
                    throw Pop3Exception.protocol("the " + what + " reply has more than " + maxLines + " lines");
                }
                int skip = line.length > 0 && line[0] == '.' ? 1 : 0;
                sink.accept(skip == 0 ? line : java.util.Arrays.copyOfRange(line, 1, line.length));
            }
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    private static void expectOk(Pop3Reply r, String what) throws Pop3Exception {
        if (!r.ok()) {
            throw new Pop3Exception(r.temporary() ? Pop3Exception.Kind.TEMPORARY : Pop3Exception.Kind.REFUSED,
                    what + " refused: " + r);
        }
    }

    /** No CR, LF, NUL or other control byte may reach the server inside a command. */
    static void requireSafe(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                throw new IllegalArgumentException("the " + what + " contains a control character (0x"
                        + Integer.toHexString(ch) + "); it is never sent to the server");
            }
        }
    }

    /** Closes the socket without QUIT: the server applies no DELE of this connection. */
    @Override
    public void close() {
        broken = true;
        synchronized (this) {
            if (watchdog != null) {
                watchdog.cancel();
            }
        }
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing left to do with a socket that does not close; the server times it out
            }
        }
    }
}
