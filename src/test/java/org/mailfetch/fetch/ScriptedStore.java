package org.mailfetch.fetch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mailfetch.testsupport.MailfetchFixture;

/**
 * A scripted POP3 mailbox and a fresh mailfetch data dir to fetch it into, made before each test and
 * closed after it (the fixture first, then the server). It exists so that the fetch tests stop writing
 * that set-up out by hand: {@code @RegisterExtension final ScriptedStore store = new ScriptedStore()
 * .with(key, value)}. A test's own {@code @BeforeEach} runs after it and can fill the mailbox.
 */
final class ScriptedStore implements BeforeEachCallback, AfterEachCallback {

    private final Properties settings = new Properties();
    private Path dataDir;
    private ScriptedPop3 server;
    private MailfetchFixture fixture;

    /** One more setting for the fixture (on top of {@link MailfetchFixture#settings}). */
    ScriptedStore with(String key, String value) {
        settings.setProperty(key, value);
        return this;
    }

    ScriptedPop3 server() {
        return server;
    }

    MailfetchFixture fixture() {
        return fixture;
    }

    Path dataDir() {
        return dataDir;
    }

    /** Closes the fixture and opens the same data dir again with this store's settings plus {@code extra}. */
    MailfetchFixture reopen(Properties extra) {
        fixture.close();
        Properties p = new Properties();
        p.putAll(settings);
        p.putAll(extra);
        fixture = new MailfetchFixture(dataDir, p);
        return fixture;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("mailfetch-store");
        server = new ScriptedPop3();
        fixture = new MailfetchFixture(dataDir, settings);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try (ScriptedPop3 s = server; MailfetchFixture f = fixture) {
            // closed in reverse order: the fixture first, then the server
        } finally {
            delete(dataDir);
        }
    }

    /** Deletes the data dir and all below it, as JUnit's @TempDir would. */
    private static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a read-only directory (or file) left by a test: make it writable and try once more
                p.toFile().setWritable(true);
                if (p.getParent() != null) {
                    p.getParent().toFile().setWritable(true);
                }
                Files.deleteIfExists(p);
            }
        }
    }
}
