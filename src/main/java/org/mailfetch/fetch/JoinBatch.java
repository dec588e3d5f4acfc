package org.mailfetch.fetch;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.mailfetch.mail.FetchedMessage;

/**
 * The last step of the chain for each message: it joins its session's group-commit batch (see
 * {@link FetchSession#accept}); a full batch is handed to the commit threads. A bean of
 * routes/fetch-session.camel.yaml, a Processor so that no bean binding by reflection runs per message.
 */
public final class JoinBatch implements Processor {

    @Override
    public void process(Exchange exchange) {
        exchange.getProperty(FetchSessions.SESSION, FetchSession.class)
                .accept(exchange.getMessage().getBody(FetchedMessage.class));
    }
}
