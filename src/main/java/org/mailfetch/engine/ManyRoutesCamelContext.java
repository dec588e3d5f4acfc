package org.mailfetch.engine;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.StartupListener;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.engine.RouteService;

/**
 * Camel's context, with shortcuts for many routes (issue 12: 10,000 accounts, a route each).
 * Every route added from the template ({@code addRouteFromTemplate}) first removes any route of the same
 * id, and Camel's {@code removeRoute} gathers the endpoints of every route before it looks whether the
 * route exists: adding the n-th route cost O(n), start-up with 10,000 accounts O(n²) (adding slowed
 * from ~75 to ~15 routes/s). A route that does not exist is not removed here at all (a map lookup).
 */
final class ManyRoutesCamelContext extends DefaultCamelContext {

    /** Camel's platform-http start-up summary (camel-platform-http-main), an anonymous StartupListener in this class. */
    private static final String HTTP_SUMMARY_LISTENER = "org.apache.camel.component.platform.http.main.MainHttpServerUtil$";

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

    /**
     * Camel calls every start-up listener again for each route started after the context (each account
     * route the reconciler adds), and the platform-http summary's listener adds a new event notifier on
     * every call: 10,000 accounts left 10,000 notifiers, each add sorted them all, and every route and
     * exchange event asked each of them. That listener runs once here (it logs the HTTP endpoints at
     * start-up; routes added later have none); every other listener as Camel calls it.
     */
    @Override
    public void addStartupListener(StartupListener listener) throws Exception {
        super.addStartupListener(listener.getClass().getName().startsWith(HTTP_SUMMARY_LISTENER)
                ? new FirstCallOnly(listener) : listener);
    }

    private static final class FirstCallOnly implements StartupListener {
        private final StartupListener delegate;
        private boolean called;

        FirstCallOnly(StartupListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized void onCamelContextStarted(CamelContext context, boolean alreadyStarted) throws Exception {
            if (!called) {
                called = true;
                delegate.onCamelContextStarted(context, alreadyStarted);
            }
        }
    }
}
