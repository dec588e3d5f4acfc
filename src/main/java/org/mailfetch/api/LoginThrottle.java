package org.mailfetch.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Per-client (remote address, see {@link #clientKey}) limits on admin password checks, so that guessing costs the guesser
 * time and not the service CPU: a client has at most {@value #MAX_IN_FLIGHT} checks running at once,
 * and after {@value #FREE_FAILURES} failures in a row it must wait 1 s, then 2 s, 4 s, ... up to
 * {@link #MAX_BLOCK} before the next one is even hashed. A success forgets the client's failures;
 * so does {@link #FORGET_AFTER} without a failure. At most {@value #MAX_CLIENTS} clients are tracked
 * (the oldest idle ones make room): many addresses together are held back by the global cap on
 * concurrent hashing in {@link BasicAuth}, not here.
 */
final class LoginThrottle {

    static final int MAX_IN_FLIGHT = 2;
    static final int FREE_FAILURES = 5;
    static final Duration FIRST_BLOCK = Duration.ofSeconds(1);
    static final Duration MAX_BLOCK = Duration.ofMinutes(5);
    static final Duration FORGET_AFTER = Duration.ofMinutes(15);
    static final int MAX_CLIENTS = 10_000;

    private final Clock clock;
    /** Insertion order: the eldest entries are the first to go when the map is full. */
    private final Map<String, Client> clients = new LinkedHashMap<>();

    private static final class Client {
        int inFlight;
        int failures;
        Instant lastFailure = Instant.EPOCH;
        Instant blockedUntil = Instant.EPOCH;
    }

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /**
     * The key a remote address is throttled under: an IPv4 address as it is, an IPv6 address by its
     * /64 prefix (one host usually holds a whole /64 and could otherwise step through it).
     */
    static String clientKey(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return String.valueOf(address);
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress(); // a literal: parsed, never looked up
            if (bytes.length != 16) {
                return address;
            }
            return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /**
     * Empty when the client's password may be checked now (then {@link #done} or {@link #cancel}
     * must follow), else how long it has to wait.
     */
    synchronized Optional<Duration> admit(String client) {
        Instant now = clock.instant();
        Client c = clients.get(client);
        if (c != null && c.inFlight == 0 && isStale(c, now)) {
            c.failures = 0; // quiet long enough: a fresh start
        }
        if (c != null && now.isBefore(c.blockedUntil)) {
            return Optional.of(Duration.between(now, c.blockedUntil));
        }
        if (c != null && c.inFlight >= MAX_IN_FLIGHT) {
            return Optional.of(FIRST_BLOCK);
        }
        if (c == null) {
            if (!makeRoom(now)) {
                // every tracked client is held back or busy: a new one waits rather than evict them
                return Optional.of(FIRST_BLOCK);
            }
            c = new Client();
            clients.put(client, c);
        }
        c.inFlight++;
        return Optional.empty();
    }

    /** How long the client still has to wait after its failures, if it is held back now. */
    synchronized Optional<Duration> blocked(String client) {
        Instant now = clock.instant();
        Client c = clients.get(client);
        return c != null && now.isBefore(c.blockedUntil) ? Optional.of(Duration.between(now, c.blockedUntil))
                : Optional.empty();
    }

    /** The check admitted for client ended; returns how long the client is now blocked (zero: not). */
    synchronized Duration done(String client, boolean accepted) {
        Client c = clients.get(client);
        if (c == null) {
            return Duration.ZERO;
        }
        c.inFlight = Math.max(0, c.inFlight - 1);
        Instant now = clock.instant();
        if (accepted) {
            c.failures = 0;
            c.blockedUntil = Instant.EPOCH;
        } else {
            c.failures++;
            c.lastFailure = now;
            if (c.failures >= FREE_FAILURES) {
                int doublings = Math.min(c.failures - FREE_FAILURES, 20);
                Duration block = FIRST_BLOCK.multipliedBy(1L << doublings);
                block = block.compareTo(MAX_BLOCK) > 0 ? MAX_BLOCK : block;
                c.blockedUntil = now.plus(block);
                forgetIfIdle(client, c, now);
                return block;
            }
        }
        forgetIfIdle(client, c, now);
        return Duration.ZERO;
    }

    /** The check admitted for client did not happen (e.g. the hashing queue was full): no failure counted. */
    synchronized void cancel(String client) {
        Client c = clients.get(client);
        if (c != null) {
            c.inFlight = Math.max(0, c.inFlight - 1);
            forgetIfIdle(client, c, clock.instant());
        }
    }

    private void forgetIfIdle(String client, Client c, Instant now) {
        if (c.inFlight == 0 && (c.failures == 0 || isStale(c, now))) {
            clients.remove(client);
        }
    }

    private static boolean isStale(Client c, Instant now) {
        return !now.isBefore(c.lastFailure.plus(FORGET_AFTER)) && !now.isBefore(c.blockedUntil);
    }

    /**
     * Whether a new client fits. Linear in the clients tracked, but runs only when the map is full.
     * A client that is held back is never dropped: else cycling through many addresses (a /48 of
     * IPv6, or 127/8 locally) would wipe every block and give each address fresh tries.
     */
    private boolean makeRoom(Instant now) {
        if (clients.size() < MAX_CLIENTS) {
            return true;
        }
        clients.values().removeIf(c -> c.inFlight == 0 && isStale(c, now));
        for (Iterator<Client> it = clients.values().iterator(); clients.size() >= MAX_CLIENTS && it.hasNext(); ) {
            Client c = it.next();
            if (c.inFlight == 0 && !now.isBefore(c.blockedUntil)) {
                it.remove();
            }
        }
        return clients.size() < MAX_CLIENTS;
    }
}
