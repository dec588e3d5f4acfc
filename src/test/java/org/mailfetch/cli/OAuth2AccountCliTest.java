package org.mailfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.testsupport.CliCapture;
import org.mailfetch.testsupport.FakeOAuth2Provider;

/**
 * OAuth2 accounts on the command line: the --oauth2 options of account add|update (a password with
 * them exits 2, as does a provider that is none), switching an account between a password and OAuth2
 * both ways, account authorize's help, arguments and exit codes, and the device flow end to end
 * against a fake provider: exactly the contract lines on stdout, no token or secret anywhere.
 */
class OAuth2AccountCliTest {

    private static final String PASSWORD = "pop-s3cret-Pw";
    private static final String CLIENT_SECRET = "client-s3cret-XYZ";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final InputStream realIn = System.in;
    private CliCapture.Result last;

    @BeforeEach
    void setUp() {
        assertEquals(0, run("domain", "add", "example.com"));
        assertEquals(0, run("mailbox", "add", "alice@example.com"));
    }

    @AfterEach
    void tearDown() {
        System.setIn(realIn);
    }

    @Test
    void aPasswordAndOAuth2TogetherShouldExit2() {
        assertEquals(2, withStdin(PASSWORD, "account", "add", "--owner", "alice@example.com", "--name", "x",
                "--host", "pop.example.net", "--user", "alice", "--password-stdin", "--oauth2", "gmail"));
        assertTrue(err().contains("give either --oauth2 or a password"), err());
        assertTrue(err().contains("Usage:"), err());
        assertEquals(2, run("account", "add", "--owner", "alice@example.com", "--name", "x", "--user", "alice",
                "--password-env", "HOME", "--oauth2", "microsoft"));
        assertTrue(err().contains("give either --oauth2 or a password"), err());
        assertEquals(2, withStdin(PASSWORD, "account", "add", "--owner", "alice@example.com", "--name", "x",
                "--host", "pop.example.net", "--user", "alice", "--password-stdin", "--oauth2-client-secret-stdin"));
        assertTrue(err().contains("cannot both read standard input"), err());
        assertEquals(0, run("account", "list"));
        assertEquals("", out(), "nothing stored");
    }

    @Test
    void aProviderThatIsNoneShouldExit2WithAMessage() {
        assertEquals(2, run("account", "add", "--owner", "alice@example.com", "--name", "x", "--user", "alice",
                "--oauth2", "nonsense"));
        assertTrue(err().contains("--oauth2: the OAuth2 provider is gmail, microsoft or issuer:URL, got 'nonsense'"), err());
        assertEquals(2, run("account", "add", "--owner", "alice@example.com", "--name", "x", "--user", "alice",
                "--oauth2", "issuer:http://idp.example.net"));
        assertTrue(err().contains("must be https"), err());
    }

    @Test
    void aPresetProviderShouldNeedNoHost() throws Exception {
        assertEquals(0, run("account", "add", "--owner", "alice@example.com", "--name", "g", "--protocol", "imap",
                "--user", "alice@gmail.com", "--oauth2", "gmail"), err());
        JsonNode a = show(out().trim());
        assertEquals("imap.gmail.com", a.get("host").asText());
        assertEquals("gmail", a.get("oauth2").get("provider").asText());
        assertEquals(2, run("account", "add", "--owner", "alice@example.com", "--name", "i", "--user", "alice",
                "--oauth2", "issuer:https://idp.example.net"));
        assertTrue(err().contains("--host is required"), err());
    }

    @Test
    void authorizeShouldHaveHelpAndRefuseBadArguments() {
        assertEquals(0, run("account", "authorize", "--help"));
        String help = out();
        assertTrue(help.contains("account authorize") && help.contains("--browser") && help.contains("--timeout"), help);
        assertTrue(help.contains("verification_uri: URL") && help.contains("Exit codes:"), help);
        assertTrue(help.contains("4") && help.contains("denied"), help);
        assertEquals(0, run("account", "add", "--help"));
        assertTrue(out().contains("--oauth2=gmail|microsoft|issuer:URL") && out().contains("--oauth2-client-secret-env"),
                out());

        assertEquals(2, run("account", "authorize"));
        assertTrue(err().contains("Missing required parameter"), err());
        assertEquals(2, run("account", "authorize", "1", "--timeout", "5"));
        assertTrue(err().contains("--timeout is for --browser"), err());
        assertEquals(2, run("account", "authorize", "1", "--browser", "--timeout", "0"));
        assertTrue(err().contains("--timeout must be 1 to 1440 minutes"), err());
        assertEquals(1, run("account", "authorize", "42"));
        assertTrue(err().contains("no account 42"), err());
    }

    @Test
    void anIssuerAccountShouldNeedNoPasswordAndSwitchToAPasswordAndBack() throws Exception {
        try (FakeOAuth2Provider idp = new FakeOAuth2Provider()) {
            String id = addOAuth2(idp, "--oauth2-scope", "mail offline_access");
            JsonNode a = show(id);
            assertEquals("oauth2", a.get("auth").asText(), a.toString());
            assertEquals("issuer:" + idp.issuer(), a.get("oauth2").get("provider").asText());
            assertEquals("test-client", a.get("oauth2").get("clientId").asText());
            assertEquals("mail offline_access", a.get("oauth2").get("scope").asText());
            assertNoSecret(a.toString());
            assertEquals(0, run("account", "show", id));
            assertTrue(out().contains("auth: oauth2\n") && out().contains("oauth2.provider: issuer:" + idp.issuer() + "\n"),
                    out());
            assertNoSecret(out());
            assertEquals(0, run("account", "list"));
            assertTrue(out().trim().contains("\toauth2=issuer:" + idp.issuer()), out());

            assertEquals(0, withStdin(PASSWORD, "account", "update", id, "--password-stdin"), err());
            JsonNode pw = show(id);
            assertEquals("password", pw.get("auth").asText(), pw.toString());
            assertEquals(0, run("account", "list"));
            assertFalse(out().contains("oauth2="), out());

            assertEquals(0, run("account", "update", id, "--oauth2", "issuer:" + idp.issuer(),
                    "--oauth2-client-id", "other-client"), err());
            JsonNode back = show(id);
            assertEquals("oauth2", back.get("auth").asText(), back.toString());
            assertEquals("other-client", back.get("oauth2").get("clientId").asText());
            assertNoSecret(back.toString());
        }
    }

    @Test
    void theDeviceFlowShouldPrintTheContractLinesAndStoreTheTokens() throws Exception {
        try (FakeOAuth2Provider idp = new FakeOAuth2Provider().approvesAfter(2)) {
            String id = addOAuth2(idp);
            assertEquals(0, run("account", "authorize", id), err());
            String base = idp.issuer();
            assertEquals("verification_uri: " + base + "/activate\n"
                    + "user_code: " + FakeOAuth2Provider.USER_CODE + "\n"
                    + "verification_uri_complete: " + base + "/activate?user_code=" + FakeOAuth2Provider.USER_CODE + "\n",
                    out(), "stdout: exactly the contract lines");
            assertTrue(err().contains("authorized: account " + id + " signs in with OAuth2 from now on"), err());
            assertNoSecret(out() + err());
            assertTrue(idp.tokenRequests().size() >= 3, "polled until approved: " + idp.tokenRequests().size());
            JsonNode a = show(id);
            assertNoSecret(a.toString());
            assertEquals("authorized", a.get("oauth2").get("state").asText(), a.toString());
        }
    }

    @Test
    void aDeniedDeviceFlowShouldExitWithItsOwnCode() throws Exception {
        try (FakeOAuth2Provider idp = new FakeOAuth2Provider().deniesAfter(1)) {
            String id = addOAuth2(idp);
            assertEquals(AuthorizeCommand.EXIT.get(org.mailfetch.oauth2.SignInFailed.Reason.DENIED), run("account", "authorize", id));
            assertTrue(err().startsWith("Open the URL") || err().contains("not authorized"), err());
            assertTrue(err().contains("mailfetch: account " + id + " not authorized: "), err());
            assertNoSecret(out() + err());
        }
    }

    @Test
    void anAccountWithoutOAuth2ShouldNotBeAuthorized() {
        assertEquals(0, withStdin(PASSWORD, "account", "add", "--owner", "alice@example.com", "--name", "p",
                "--host", "pop.example.net", "--user", "alice", "--password-stdin"), err());
        String id = out().trim();
        int exit = run("account", "authorize", id);
        assertEquals(AuthorizeCommand.EXIT.get(org.mailfetch.oauth2.SignInFailed.Reason.NOT_CONFIGURED), exit, err());
        assertTrue(err().contains("not authorized"), err());
        assertEquals("", out());
    }

    /** An IMAP account of the fake provider, its client secret read from standard input. */
    private String addOAuth2(FakeOAuth2Provider idp, String... extra) {
        List<String> args = new ArrayList<>(List.of("account", "add", "--owner", "alice@example.com", "--name", "idp",
                "--protocol", "imap", "--host", "imap.example.net", "--user", "alice@example.net",
                "--oauth2", "issuer:" + idp.issuer(), "--oauth2-client-id", "test-client", "--oauth2-client-secret-stdin"));
        args.addAll(List.of(extra));
        assertEquals(0, withStdin(CLIENT_SECRET, args.toArray(String[]::new)), err());
        String id = out().trim();
        assertTrue(id.matches("\\d+"), id);
        return id;
    }

    private static void assertNoSecret(String text) {
        for (String secret : List.of(CLIENT_SECRET, PASSWORD, FakeOAuth2Provider.ACCESS_TOKEN, FakeOAuth2Provider.REFRESH_TOKEN)) {
            assertFalse(text.contains(secret), "a secret in: " + text);
        }
    }

    private JsonNode show(String id) throws Exception {
        assertEquals(0, run("account", "show", id, "--json"), err());
        return JSON.readTree(out());
    }

    private int withStdin(String line, String... args) {
        System.setIn(new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.UTF_8)));
        return run(args);
    }

    private int run(String... args) {
        last = CliCapture.run(dataDir, args);
        return last.exit();
    }

    private String out() {
        return last.out().toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return last.err().toString(StandardCharsets.UTF_8);
    }
}
