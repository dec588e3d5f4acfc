package org.mailfetch.api;

import org.apache.camel.Exchange;
import org.mailfetch.store.InvalidValue;
import org.mailfetch.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The onException step of the REST routes: turns what a resource threw into a status and
 * {"error": …, "field": …}. Bad input 400, unknown id 404, a conflict with stored data 409, else 500
 * (logged; the response says only that it failed).
 */
public final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    public void respond(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int status;
        String field = null;
        String message = e == null ? "unknown error" : e.getMessage();
        if (e instanceof ApiError api) {
            status = api.status();
            field = api.field();
        } else if (e instanceof InvalidValue bad) {
            status = 400;
            field = bad.field();
        } else if (e instanceof IllegalArgumentException) {
            status = 400;
        } else if (e instanceof StoreException && message != null && message.startsWith("no ")) {
            status = 404;
        } else if (e instanceof StoreException) {
            status = 409;
        } else {
            status = 500;
            LOG.error("REST {} {} failed", exchange.getMessage().getHeader(Exchange.HTTP_METHOD),
                    exchange.getMessage().getHeader(Exchange.HTTP_URI), e);
            message = "internal error; see the service log";
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(ApiJson.error(field, message));
    }
}
