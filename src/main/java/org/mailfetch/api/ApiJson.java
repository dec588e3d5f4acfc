package org.mailfetch.api;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.mailfetch.service.AdminInput;

/** JSON in and out of the REST API: request bodies as trees, responses written with a status code. */
final class ApiJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private ApiJson() {}

    /** The request body as a JSON object; 400 if it is missing or not an object. */
    static JsonNode object(Exchange exchange) {
        String text = exchange.getMessage().getBody(String.class);
        if (text == null || text.isBlank()) {
            throw ApiError.badField(null, "the request needs a JSON object as its body");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiError.badField(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badField(null, "the body must be a JSON object");
        }
        node.fields().forEachRemaining(field -> refuseControlCharacters(field.getKey(), field.getValue()));
        return node;
    }

    /**
     * Every text anywhere in a body (passwords included) ends up in a protocol command, a file name
     * or a log line: one check here covers every field of every request, present and future.
     */
    private static void refuseControlCharacters(String field, JsonNode value) {
        if (value.isTextual()) {
            AdminInput.text(field, value.asText());
        } else if (value.isContainerNode()) {
            value.elements().forEachRemaining(e -> refuseControlCharacters(field, e));
        }
    }

    /** The numeric path parameter {id}; anything else names nothing, so 404 "no <what> <id>". */
    static long id(Exchange exchange, String what) {
        String raw = exchange.getMessage().getHeader("id", String.class);
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiError.notFound("no " + what + " " + raw);
        }
    }

    static void respond(Exchange exchange, int status, Object body) {
        var m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        if (body == null) {
            m.setBody(null);
            return;
        }
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            m.setBody(MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** {"error": message, "field": field} — field only when one field is at fault. */
    static String error(String field, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("error", message);
        if (field != null) {
            e.put("field", field);
        }
        try {
            return MAPPER.writeValueAsString(e);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }
}
