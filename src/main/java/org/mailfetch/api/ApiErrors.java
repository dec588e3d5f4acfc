package org.mailfetch.api;

import org.apache.camel.Exchange;
import org.mailfetch.store.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error step of the REST routes (route configuration {@code api-errors}): turns what a resource threw
 * into the status {@link Problem} gives it and {"error": …, "field": …}. Bad input 400, unknown id 404,
 * a conflict with stored data 409; a database failure 503 and anything else 500, both logged, the
 * response then saying only that it failed.
 */
public final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    public void respond(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Problem problem = Problem.of(e);
        if (problem.isFailure()) {
            LOG.error("REST {} {} failed ({})", exchange.getMessage().getHeader(Exchange.HTTP_METHOD),
                    exchange.getMessage().getHeader(Exchange.HTTP_URI), problem.httpStatus(), e);
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, problem.httpStatus());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(ApiJson.error(problem.field(), problem.publicMessage()));
    }
}
