package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.MailfetchFixture;

/** Prometheus scrapes a port of its own without the admin password; the admin server stays behind Basic auth. */
class ObservePortTest {

    @TempDir
    Path dataDir;

    private MailfetchFixture fixture;
    private FetchEngine service;
    private int observePort;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            observePort = free.getLocalPort();
        }
        Properties extra = new Properties();
        extra.setProperty(AdminHttp.OBSERVE_PORT, String.valueOf(observePort));
        fixture = new MailfetchFixture(dataDir, extra);
        new AdminPassword(fixture.services().db()).set("observe-Pa55word");
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        fixture.close();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAndHealthShouldBeServedWithoutAuthOnTheObservePortOnly() throws Exception {
        HttpResponse<String> metrics = get(observePort, "/observe/metrics");
        assertEquals(200, metrics.statusCode(), metrics.body());
        assertTrue(metrics.body().contains("# TYPE"), "Prometheus text: " + metrics.body());
        assertEquals(200, get(observePort, "/observe/health").statusCode());

        int admin = AdminHttp.port(service.camel());
        assertTrue(admin != observePort);
        assertEquals(401, get(admin, "/api/accounts").statusCode(), "the admin server still needs the password");
        int apiOnObserve = get(observePort, "/api/accounts").statusCode();
        assertTrue(apiOnObserve == 404, "the REST API is not on the observe port: " + apiOnObserve);
        assertEquals(404, get(observePort, "/admin/").statusCode(), "nor the web page");
    }
}
