package org.mailfetch.api;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The JSON object of a request, read field by field: each wrong type, missing required field,
 * unknown field or value a parser refuses is a 400 naming the field.
 */
final class RequestBody {

    private final JsonNode json;

    RequestBody(JsonNode json) {
        this.json = json;
    }

    /** Refuses any field not in {@code known}. */
    RequestBody only(Set<String> known) {
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiError.badField(name, "unknown field '" + name + "'");
            }
        }
        return this;
    }

    boolean has(String field) {
        return json.has(field);
    }

    /** Present and JSON null, or an empty string: the client asks to clear the field. */
    boolean isCleared(String field) {
        JsonNode n = json.get(field);
        return n != null && (n.isNull() || (n.isTextual() && n.asText().isBlank()));
    }

    String text(String field) {
        JsonNode n = json.get(field);
        if (n == null || !n.isTextual()) {
            throw ApiError.badField(field, field + " must be a string");
        }
        return n.asText();
    }

    String required(String field) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull() || (n.isTextual() && n.asText().isBlank())) {
            throw ApiError.badField(field, field + " is required");
        }
        return text(field);
    }

    /** The text, or null when the field is absent, null or empty. */
    String optional(String field) {
        return !has(field) || isCleared(field) ? null : text(field);
    }

    int integer(String field) {
        JsonNode n = json.get(field);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
            throw ApiError.badField(field, field + " must be a whole number");
        }
        return n.asInt();
    }

    boolean bool(String field) {
        JsonNode n = json.get(field);
        if (n == null || !n.isBoolean()) {
            throw ApiError.badField(field, field + " must be true or false");
        }
        return n.asBoolean();
    }

    /** A JSON array of strings, or one string with the items separated by commas. */
    List<String> strings(String field) {
        JsonNode n = json.get(field);
        List<String> raw = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(e -> raw.add(e.asText()));
        } else if (n != null && n.isTextual()) {
            raw.addAll(List.of(n.asText().split(",")));
        } else {
            throw ApiError.badField(field, field + " must be a list");
        }
        return raw.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** Runs a parser of the domain code on the field's value; its IllegalArgumentException becomes a 400 on the field. */
    static <T> T parsed(String field, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.badField(field, e.getMessage());
        }
    }
}
