package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * The REST error handling (onException api-errors in routes/admin-api.camel.yaml), as Camel loaded the
 * routes of the running service: on every REST route, on none of the mail routes.
 */
class ApiErrorsRouteTest {

    @TempDir
    Path dataDir;

    @Test
    void apiErrorsShouldHandleEveryRestRouteAndNoMailRoute() throws Exception {
        try (MailfetchFixture fixture = new MailfetchFixture(dataDir);
             FetchEngine service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            service.start();
            List<RouteDefinition> routes = service.camel().getCamelContextExtension().getContextPlugin(Model.class)
                    .getRouteDefinitions();
            List<RouteDefinition> rest = routes.stream().filter(r -> Boolean.TRUE.equals(r.isRest())).toList();
            assertTrue(rest.size() >= 20, "the REST routes: " + rest.size());
            for (RouteDefinition r : rest) {
                List<OnExceptionDefinition> handlers = onExceptions(r);
                assertEquals(1, handlers.size(), r.getRouteId() + " " + r.getInput().getEndpointUri());
                OnExceptionDefinition h = handlers.get(0);
                assertEquals("api-errors", h.getId());
                assertEquals(List.of("java.lang.Exception"), h.getExceptions());
                assertTrue(h.getOutputs().stream().anyMatch(o -> o instanceof BeanDefinition b && "apiErrors".equals(b.getRef())),
                        h.getOutputs().toString());
            }
            for (String id : List.of("fetch-session", "outbox", "reconcile-accounts")) {
                RouteDefinition mail = routes.stream().filter(r -> id.equals(r.getRouteId())).findFirst().orElseThrow();
                assertFalse(Boolean.TRUE.equals(mail.isRest()), id);
                assertEquals(List.of(), onExceptions(mail).stream().map(OnExceptionDefinition::getId).toList(), id);
            }
        }
    }

    private static List<OnExceptionDefinition> onExceptions(RouteDefinition r) {
        return r.getOutputs().stream().filter(o -> o instanceof OnExceptionDefinition)
                .map(o -> (OnExceptionDefinition) o).toList();
    }
}
