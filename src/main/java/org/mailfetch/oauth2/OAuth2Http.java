package org.mailfetch.oauth2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.mailfetch.account.OAuth2Options;
import org.mailfetch.mail.Printable;

/**
 * The HTTP side of OAuth2: form posts to token and device endpoints, GETs of discovery documents.
 * A provider is as hostile as a mail server: answers are read up to {@link #MAX_BODY} bytes, every
 * request (headers and body) has one deadline, redirects are not followed (a token request must not be replayed to
 * wherever a 302 points), and only https (or http to a loopback address) is spoken.
 */
public final class OAuth2Http {

    /** The most of one answer read: token answers are a few KiB, discovery documents a few more. */
    static final int MAX_BODY = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final Duration timeout;

    public OAuth2Http(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Posts the form and returns the JSON object of a 2xx answer. An OAuth2 error answer (4xx with
     * {@code error}) is a {@link TokenError} naming the error code; anything else that is not a 2xx
     * JSON object (5xx, a timeout, an HTML page, too long) is an IOException.
     */
    public JsonNode post(URI endpoint, Map<String, String> form) throws IOException, InterruptedException {
        OAuth2Options.checkUrl(endpoint.toString());
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build();
        return answer(endpoint, request);
    }

    /** {@code application/x-www-form-urlencoded} of the non-null entries, in order (form posts and query strings). */
    static String form(Map<String, String> fields) {
        StringJoiner j = new StringJoiner("&");
        fields.forEach((k, v) -> {
            if (v != null) {
                j.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        return j.toString();
    }

    /** GETs a JSON document (discovery). */
    public JsonNode get(URI url) throws IOException, InterruptedException {
        OAuth2Options.checkUrl(url.toString());
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json").GET().build();
        return answer(url, request);
    }

    private JsonNode answer(URI url, HttpRequest request) throws IOException, InterruptedException {
        // HttpRequest.timeout ends at the headers: one deadline must cover the body too, or a provider
        // dripping a byte at a time holds the session (and its account's lock) for ever
        CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(request, info -> new LimitedBody());
        HttpResponse<byte[]> response;
        try {
            response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException(where(url) + " did not answer within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(where(url) + ": " + cause, cause);
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        }
        byte[] bytes = response.body();
        int status = response.statusCode();
        JsonNode json = null;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException notJson) {
            // reported below with the status
        }
        if (status / 100 == 2 && json != null && json.isObject()) {
            return json;
        }
        if (status >= 400 && status < 500 && json != null && json.isObject() && json.path("error").isTextual()) {
            String error = json.path("error").asText();
            throw new TokenError(status, error.matches("[\\x21-\\x7e]{1,64}") ? error : "unreadable-error",
                    Printable.escape(json.path("error_description").asText(""), 300));
        }
        throw new IOException(where(url) + " answered HTTP " + status + (json == null ? " without JSON" : ""));
    }

    /** Collects an answer up to {@link #MAX_BODY} bytes; more ends the exchange with an error. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                if (bytes.size() + b.remaining() > MAX_BODY) {
                    body.completeExceptionally(new IOException("the answer has more than " + MAX_BODY + " bytes"));
                    subscription.cancel();
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    private static String where(URI url) {
        return url.getScheme() + "://" + url.getAuthority() + url.getRawPath();
    }

    /** An OAuth2 error answer (RFC 6749 5.2, RFC 8628 3.5): {@code error} is its code, e.g. invalid_grant. */
    public static final class TokenError extends IOException {
        private final int status;
        private final String error;

        TokenError(int status, String error, String description) {
            super("HTTP " + status + " " + error + (description.isEmpty() ? "" : ": " + description));
            this.status = status;
            this.error = error;
        }

        public int status() {
            return status;
        }

        public String error() {
            return error;
        }
    }
}
