package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.config.Settings;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.service.Services;
import org.mailfetch.testsupport.MailfetchFixture;

/** `admin set-password --password-stdin`: a salted PBKDF2 hash in the database, never the password. */
class AdminCommandTest {

    @TempDir
    Path dataDir;

    private final PrintStream realOut = System.out;
    private final PrintStream realErr = System.err;
    private final InputStream realIn = System.in;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        System.setOut(realOut);
        System.setErr(realErr);
        System.setIn(realIn);
    }

    private int setPassword(String stdin) {
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return Cli.execute("--data-dir", dataDir.toString(), "admin", "set-password", "--password-stdin");
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
    }

    private String storedHash() {
        try (Services s = new Services(Settings.of(MailfetchFixture.settings(dataDir, new java.util.Properties())))) {
            return new AdminPassword(s.db()).storedHash().orElse(null);
        }
    }

    @Test
    void setPasswordShouldStoreASaltedHashAndReplaceAnEarlierOne() {
        assertEquals(0, setPassword("first-Pa55word\n"), err.toString());
        String first = storedHash();
        assertTrue(first.startsWith("pbkdf2-sha256$" + AdminPassword.ITERATIONS + "$"), first);
        assertFalse(first.contains("first-Pa55word"));
        assertTrue(AdminPassword.matches("first-Pa55word", first));
        assertFalse(AdminPassword.matches("first-Pa55wore", first));

        assertEquals(0, setPassword("second-Pa55word\n"));
        String second = storedHash();
        assertTrue(AdminPassword.matches("second-Pa55word", second));
        assertFalse(AdminPassword.matches("first-Pa55word", second));
        assertFalse(out.toString().contains("Pa55word") || err.toString().contains("Pa55word"));
    }

    @Test
    void setPasswordShouldRefuseAnEmptyOrShortPasswordAndAPasswordOnTheCommandLine() {
        assertEquals(2, setPassword(""));
        assertEquals(2, setPassword("short\n"));
        assertEquals(null, storedHash());
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Cli.execute("--data-dir", dataDir.toString(), "admin", "set-password", "--password", "x"));
        } finally {
            System.setErr(realErr);
        }
    }
}
