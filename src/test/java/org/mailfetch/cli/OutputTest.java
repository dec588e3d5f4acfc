package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A subject or server reply printed by a list or show command cannot drive the operator's terminal. */
class OutputTest {

    /** An OSC 52 sequence (sets the terminal's clipboard) as a decoded subject would carry it. */
    private static final String SUBJECT = "hi\u001b]52;c;ZXZpbA==\u0007\r\nforged\u009b2J";

    private static String captured(Runnable print) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            print.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listLinesKeepTheirTabsAndEscapeEveryOtherControlCharacter() {
        String out = captured(() -> Output.list(List.of(SUBJECT), false, s -> "7\t" + s, s -> Map.of()));
        assertEquals("7\thi\\x1b]52;c;ZXZpbA==\\x07\\x0d\\x0aforged\\x9b2J" + System.lineSeparator(), out);
    }

    @Test
    void jsonOutputEscapesControlsAndEverythingOutsideAscii() {
        String out = captured(() -> Output.print(Map.of("subject", SUBJECT)));
        assertTrue(out.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c < 0x7f)), out);
        assertTrue(out.contains("\\u001B]52") && out.contains("\\u009B2J"), out);
    }

    @Test
    void aTabInsideAFieldCannotShiftTheColumnsScriptsRead() {
        String out = captured(() -> Output.list(List.of("x\tvirus\tforged"), false, s -> Output.fields(7, s, "last"),
                s -> Map.of()));
        assertEquals("7\tx virus forged\tlast" + System.lineSeparator(), out);
    }
}
