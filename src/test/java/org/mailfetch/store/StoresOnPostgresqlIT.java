package org.mailfetch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.mailfetch.testsupport.Postgres;

/**
 * The tests of the stores and the database-backed classes, which `mvn test` runs on the embedded H2,
 * run again here on PostgreSQL: every fixture and CLI run gets a database of its own on the shared
 * private server ({@link Postgres#testDatabaseFor}). One dynamic test per class, failures quoted.
 * A class that is here passes on both databases; tests that look at H2's own files (LocalUserTest,
 * the corrupted-file cases of ErrorKindsCliTest) and tests that open the data dir without the fixture
 * are not here.
 */
class StoresOnPostgresqlIT {

    /** What each covers on PostgreSQL: a test class, or one test method of it. */
    private static final List<String> CLASSES = List.of(
            "org.mailfetch.cli.CliTest",                    // accounts, domains, mailboxes: add, update, list, remove
            "org.mailfetch.cli.RecipientsCliTest",          // aliases, lists, SMTP routes, catch-all, LMTP targets
            "org.mailfetch.delivery.OutboxTest",            // outbox rows and recipients, claim, retry, give up
            "org.mailfetch.oauth2.AccessTokensTest",        // TokenStore: grant versions, needs-authorization
            "org.mailfetch.fetch.DownloadNowTest",          // the account lease across sessions
            "org.mailfetch.fetch.StatusBoardRaceTest",      // account_status rows made concurrently
            "org.mailfetch.fetch.DeleteModeFetchTest",      // the UIDL ledger: first download, deleted_at, purge
            "org.mailfetch.fetch.imap.ImapFetchTest",       // ledger keys and digests, IMAP options
            "org.mailfetch.delivery.InFlightFilesTest",     // spool and outbox files with their rows
            "org.mailfetch.cluster.ClockCheckTest",         // a node clock off the database's is refused
            // quarantine records: held, listed, released, deleted (REST)
            "org.mailfetch.api.AdminApiTest#routedMailShouldWaitInTheOutboxAndQuarantinedMailBeReleasedOrDeleted",
            // unique and referential violations mapped to Conflict (PostgreSQL's SQLSTATEs)
            "org.mailfetch.cli.ErrorKindsCliTest#aConflictShouldExit1WithTheReason",
            "org.mailfetch.cli.ErrorKindsCliTest#notFoundShouldExit1WithTheReason");

    @TestFactory
    Stream<DynamicTest> theStoreTestsShouldPassOnPostgresqlToo() {
        return CLASSES.stream().map(name -> DynamicTest.dynamicTest(name.substring(name.lastIndexOf('.') + 1),
                () -> runOnPostgresql(name)));
    }

    /** A class, or one method of it ({@code Class#method}). */
    private static DiscoverySelector selector(String name) {
        return name.contains("#") ? DiscoverySelectors.selectMethod(name) : DiscoverySelectors.selectClass(name);
    }

    private static void runOnPostgresql(String className) {
        System.setProperty(Postgres.TEST_DATABASE, "postgresql");
        try {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(selector(className)).build();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            LauncherFactory.create().execute(request, listener);
            TestExecutionSummary summary = listener.getSummary();
            StringWriter failures = new StringWriter();
            summary.printFailuresTo(new PrintWriter(failures), 25);
            assertTrue(summary.getTestsFoundCount() > 0, "no tests found in " + className);
            assertEquals(0, summary.getTotalFailureCount(), className + " on PostgreSQL:\n" + failures);
            assertEquals(summary.getTestsFoundCount(), summary.getTestsSucceededCount(),
                    className + ": every test found ran and passed");
        } finally {
            System.clearProperty(Postgres.TEST_DATABASE);
        }
    }
}
