package org.mailfetch.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** HTTP calls to the service's admin server on 127.0.0.1, with or without Basic credentials. */
public final class AdminClient {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private final String authorization;

    public AdminClient(int port, String user, String password) {
        this.port = port;
        this.authorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    public HttpResponse<String> post(String path, String json) throws Exception {
        return send("POST", path, json);
    }

    public HttpResponse<String> put(String path, String json) throws Exception {
        return send("PUT", path, json);
    }

    public HttpResponse<String> delete(String path) throws Exception {
        return send("DELETE", path, null);
    }

    /** A request as a JSON client sends it: every request that is not a GET says Content-Type: application/json. */
    public HttpResponse<String> send(String method, String path, String json) throws Exception {
        boolean read = method.equals("GET") || method.equals("HEAD");
        return send(method, path, json, json != null || !read ? Map.of("Content-Type", "application/json") : Map.of());
    }

    /** A request with exactly these headers (besides Authorization), e.g. as a cross-site form would send it. */
    public HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }
}
