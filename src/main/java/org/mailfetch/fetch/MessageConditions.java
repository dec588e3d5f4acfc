package org.mailfetch.fetch;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.mailfetch.mail.FetchedMessage;

/**
 * The conditions of the filters in routes/fetch-session.camel.yaml, one class each, declared there as
 * beans under the names the filters use ({@code antispamWanted}, {@code pending}, …). Written as
 * Simple expressions ({@code ${body.account().antispam()} && ${body.isPending()}}) every message
 * paid for each method call in them through Camel's OGNL bean invocation (method lookup, reflection,
 * type conversion); as predicates they are plain calls on the message in hand.
 */
public final class MessageConditions {

    private MessageConditions() {
    }

    /** A condition on the {@link FetchedMessage} that is the exchange's body. */
    private abstract static class OnMessage implements Predicate {
        @Override
        public final boolean matches(Exchange exchange) {
            return test(exchange.getMessage().getBody(FetchedMessage.class));
        }

        abstract boolean test(FetchedMessage m);
    }

    /** The account has "Retrieve date from Received headers". */
    public static final class ReceivedDateWanted extends OnMessage {
        @Override
        boolean test(FetchedMessage m) {
            return m.account().receivedDate();
        }
    }

    /** The account has "Use anti-spam" and the message still waits for its fate. */
    public static final class AntispamWanted extends OnMessage {
        @Override
        boolean test(FetchedMessage m) {
            return m.account().antispam() && m.isPending();
        }
    }

    /** The account has "Use anti-virus" and the message still waits for its fate. */
    public static final class AntivirusWanted extends OnMessage {
        @Override
        boolean test(FetchedMessage m) {
            return m.account().antivirus() && m.isPending();
        }
    }

    /** A scanner marked the message for the quarantine (spam above the delete score, a virus, unscanned by policy). */
    public static final class MarkedForQuarantine extends OnMessage {
        @Override
        boolean test(FetchedMessage m) {
            return m.quarantineKind() != null && m.isPending();
        }
    }

    /** Neither quarantined nor deferred by a scanner that was unavailable: to be delivered. */
    public static final class Pending extends OnMessage {
        @Override
        boolean test(FetchedMessage m) {
            return m.isPending();
        }
    }

    /** The recipient splitter found routed recipients (relayed by SMTP through the outbox). */
    public static final class HasRoutedRecipients extends OnMessage {
        @Override
        boolean test(FetchedMessage m) {
            return !m.routedRecipients().isEmpty();
        }
    }
}
