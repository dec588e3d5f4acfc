package org.mailfetch.admin;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** How list and show commands print: one line per item, id first, or JSON with --json. */
final class Output {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {}

    static <T> void list(List<T> items, boolean json, Function<T, String> line, Function<T, Map<String, ?>> object) {
        if (json) {
            print(items.stream().map(object).toList());
        } else {
            items.forEach(i -> System.out.println(line.apply(i)));
        }
    }

    static void print(Object value) {
        try {
            System.out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
