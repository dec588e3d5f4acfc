package org.mailfetch.cli;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.mailfetch.mail.Printable;

/**
 * How list and show commands print: one line per item, id first, or JSON with --json. What they print
 * quotes servers and senders (subjects, replies, addresses), so text lines are escaped field by field
 * and JSON escapes everything outside ASCII: nothing reaches the operator's terminal as a control sequence.
 */
final class Output {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private Output() {}

    static <T> void list(List<T> items, boolean json, Function<T, String> line, Function<T, Map<String, ?>> object) {
        if (json) {
            print(items.stream().map(object).toList());
        } else {
            items.forEach(i -> line(line.apply(i)));
        }
    }

    /**
     * The fields of one text line, tab-separated. A tab inside a value (a subject, a server's reply)
     * becomes a space, so that it cannot shift the columns a script reads with {@code cut -f}.
     */
    static String fields(Object... values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            out.append(i == 0 ? "" : "\t").append(String.valueOf(values[i]).replace('\t', ' '));
        }
        return out.toString();
    }

    /** One text line; tabs separate fields and stay, every other control character is escaped. */
    static void line(String text) {
        String[] fields = text.split("\t", -1);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < fields.length; i++) {
            out.append(i == 0 ? "" : "\t").append(Printable.of(fields[i]));
        }
        System.out.println(out);
    }

    static void print(Object value) {
        try {
            System.out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
