package org.mailfetch.engine;

import org.apache.camel.Route;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.engine.RouteService;

/**
 * Camel's context, with one shortcut for many routes (issue 12: 10,000 accounts, a route each).
 * Every route added from the template ({@code addRouteFromTemplate}) first removes any route of the same
 * id, and Camel's {@code removeRoute} gathers the endpoints of every route before it looks whether the
 * route exists: adding the n-th route cost O(n), start-up with 10,000 accounts O(n²) (adding slowed
 * from ~75 to ~15 routes/s). A route that does not exist is not removed here at all (a map lookup).
 */
final class ManyRoutesCamelContext extends DefaultCamelContext {

    ManyRoutesCamelContext() {
        super(false);
    }

    /** A map lookup; Camel's copies the list of all routes and walks it. */
    @Override
    public Route getRoute(String id) {
        RouteService service = getRouteServices().get(id);
        return service == null ? null : service.getRoute();
    }

    @Override
    public boolean removeRoute(String routeId) throws Exception {
        if (getRouteStatus(routeId) == null) {
            return false;
        }
        return super.removeRoute(routeId);
    }
}
