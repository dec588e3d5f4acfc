package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

/**
 * The admin port taken by another process: the service refuses to start, naming the port and the
 * keys, instead of running on without its REST API, web page and health probes (Vert.x only logs a
 * failed bind after Camel has started).
 */
class AdminPortTakenTest {

    @Test
    void aTakenPortShouldBeRefusedBeforeTheServiceStarts() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> AdminHttp.ensureFree("127.0.0.1", other.getLocalPort(), AdminHttp.HOST + ", " + AdminHttp.PORT));
            assertTrue(e.getMessage().contains("127.0.0.1:" + other.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("mailfetch.http.port"), e.getMessage());
        }
    }

    @Test
    void aFreePortAndPortZeroShouldBeAccepted() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            free = probe.getLocalPort();
        }
        AdminHttp.ensureFree("127.0.0.1", free, "k");
        AdminHttp.ensureFree("127.0.0.1", 0, "k");
    }
}
