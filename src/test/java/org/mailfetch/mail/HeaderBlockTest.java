package org.mailfetch.mail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetHeaders;
import org.junit.jupiter.api.Test;

/**
 * {@link HeaderBlock} gives what Jakarta Mail's InternetHeaders gives for the same bytes — the
 * fields in order, and the values of any name — on written cases and on 30,000 random blocks made of
 * the characters that matter (line ends, white space, colons, names); and where InternetHeaders
 * throws, it does not.
 */
class HeaderBlockTest {

    private static final String[] NAMES = {"From", "from", "To", "a", "A", "b", "Received", "x", "lead", "", ":"};

    @Test
    void writtenCasesShouldMatchInternetHeaders() throws Exception {
        for (String block : List.of(
                "From: a@b\nTo: c@d\n\nbody\nTo: not a header\n",
                "From: a@b\r\nTo: c\rd\n\n",
                "From:   \t x@y\n  cont\n\tmore\nTo\n\nX: y\n",
                "A: 1\n \t\nB: 2\n",
                " lead\nFrom: x\n",
                "\t\nFrom: x\n",
                "Received: from a\n by b\n for <u@x>;\n\tMon, 1 Jan 2024\nReceived: from c\n\n",
                "From: \u00e9\u00e8@b\n\n",
                "no colon at all",
                "",
                "\n\nFrom: after the end\n",
                "From:\n\n",
                "From: x\r\r\nTo: y\n")) {
            assertSame(block);
        }
    }

    @Test
    void randomBlocksShouldMatchInternetHeaders() throws Exception {
        String alphabet = "  \t\t\n\n\r::aAbFromx@.\u00e9";
        Random random = new Random(12);
        for (int n = 0; n < 30_000; n++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertSame(b.toString());
        }
    }

    @Test
    void aBlockThatStartsWithFoldedEmptyLinesShouldKeepTheFieldsAfterThem() {
        // InternetHeaders throws IndexOutOfBoundsException here: a hostile message stopped its session
        HeaderBlock h = parse(" \n x\nFrom: a@b\nTo: c@d\n\nbody");

        assertArrayEquals(new String[] {"a@b"}, h.values("from"));
        assertArrayEquals(new String[] {"c@d"}, h.values("To"));
        assertEquals(List.of("From: a@b", "To: c@d"), h.fields());
    }

    private static HeaderBlock parse(String block) {
        byte[] bytes = block.getBytes(StandardCharsets.ISO_8859_1);
        return HeaderBlock.parse(bytes, bytes.length);
    }

    private static void assertSame(String block) throws MessagingException {
        byte[] bytes = block.getBytes(StandardCharsets.ISO_8859_1);
        InternetHeaders expected;
        try {
            expected = new InternetHeaders(new ByteArrayInputStream(bytes));
        } catch (IndexOutOfBoundsException thrown) {
            HeaderBlock.parse(bytes, bytes.length); // must not throw where InternetHeaders does
            return;
        }
        HeaderBlock actual = HeaderBlock.parse(bytes, bytes.length);
        String shown = block.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        assertEquals(Collections.list(expected.getAllHeaderLines()), actual.fields(), shown);
        for (String name : NAMES) {
            String[] values = expected.getHeader(name);
            assertArrayEquals(values == null ? new String[0] : values, actual.values(name), shown + " / " + name);
        }
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        Collections.list(expected.getAllHeaders()).forEach(h -> {
            names.add(h.getName());
            values.add(h.getValue());
        });
        List<String> actualNames = new ArrayList<>();
        List<String> actualValues = new ArrayList<>();
        for (int i = 0; i < actual.size(); i++) {
            actualNames.add(actual.name(i));
            actualValues.add(actual.value(i));
        }
        assertEquals(names, actualNames, shown);
        assertEquals(values, actualValues, shown);
    }
}
