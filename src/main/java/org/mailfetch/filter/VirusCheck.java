package org.mailfetch.filter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import org.mailfetch.mail.TraceHeaders;
import org.mailfetch.config.Settings;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.mailfetch.mail.FetchedMessage;
import org.mailfetch.mail.StepGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-virus, for accounts with the option on: clamd scans the message (INSTREAM). Infected mail is
 * quarantined with the signature name, and the owner gets a notice (see the quarantine step). Mail
 * larger than the max scan size (keep it at or below clamd's StreamMaxLength, which refuses longer
 * streams) is not scanned and says so ({@code X-Mailfetch-Scan: skipped (size)}).
 */
public final class VirusCheck implements Processor {

    public static final String HOST = "mailfetch.antivirus.host";
    public static final String PORT = "mailfetch.antivirus.port";
    /** A Unix socket path; when set it is used instead of host and port. */
    public static final String SOCKET = "mailfetch.antivirus.socket";
    public static final String TIMEOUT = "mailfetch.antivirus.timeout";
    public static final String MAX_SCAN_SIZE = "mailfetch.antivirus.max-scan-size";

    private static final Logger LOG = LoggerFactory.getLogger(VirusCheck.class);

    private final ClamdClient clamd;
    private final long maxScanSize;
    private final UnavailablePolicy policy;

    public VirusCheck(ClamdClient clamd, long maxScanSize, UnavailablePolicy policy) {
        this.clamd = clamd;
        this.maxScanSize = maxScanSize;
        this.policy = policy;
    }

    public static VirusCheck from(Settings s) {
        Duration timeout = s.duration(TIMEOUT);
        Optional<String> socket = s.optional(SOCKET);
        ClamdClient client = socket.isPresent() ? ClamdClient.unix(Path.of(socket.get()), timeout)
                : ClamdClient.tcp(s.string(HOST), s.integer(PORT), timeout);
        return new VirusCheck(client, s.bytes(MAX_SCAN_SIZE), UnavailablePolicy.from(s));
    }

    /** For a message still pending of an account with "Use anti-virus" (the route file's filter says so). */
    /** The step as the route calls it: a Processor, so no per-message bean binding by reflection. */
    @Override
    public void process(Exchange exchange) {
        check(exchange.getMessage().getBody(FetchedMessage.class));
    }

    public void check(FetchedMessage message) {
        StepGuard.require(message.account().antivirus() && message.isPending(), "virusCheck", "antivirus, pending");
        if (message.size() > maxScanSize) {
            message.addTopHeader(TraceHeaders.SCAN, TraceHeaders.SKIPPED_SIZE);
            LOG.info("not scanned for viruses: {} bytes, larger than {} ({} bytes)", message.size(), MAX_SCAN_SIZE, maxScanSize);
            return;
        }
        try (java.io.InputStream content = message.content()) {
            ClamdClient.Verdict v = clamd.scan(content);
            if (v.infected()) {
                message.quarantine("virus", v.signature());
            } else if (v.tooLarge()) {
                // never deferred forever: mailfetch.antivirus.max-scan-size is above clamd's StreamMaxLength
                message.addTopHeader(TraceHeaders.SCAN, TraceHeaders.SKIPPED_SIZE);
                LOG.warn("not scanned for viruses ({} bytes): {} refuses streams this long (StreamMaxLength);"
                        + " set {} at or below it", message.size(),
                        clamd.describe(), MAX_SCAN_SIZE);
            }
        } catch (ScannerUnavailableException e) {
            LOG.warn("not scanned for viruses: {}; {} is {}", e.getMessage(), UnavailablePolicy.KEY, policy.name().toLowerCase(Locale.ROOT));
            policy.apply(message, clamd.describe(), e.getMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read spooled " + message + ": " + e.getMessage(), e);
        }
    }
}
