package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;

import com.icegreen.greenmail.user.GreenMailUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailfetch.mail.Account;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.testsupport.ImapServer;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.testsupport.Pop3Server;
import org.mailfetch.testsupport.Scanning;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web admin page in headless Chromium (Debian's chromium and chromium-driver, which .ci/run
 * installs; missing, the test fails): add an account through the form against GreenMail POP3, press
 * Download now, see the status turn to ok and the message land in the Maildir; add an alias through
 * the local directory's form and see it listed. The screenshot is
 * kept as target/web-admin.png (and the edit form as target/web-admin-form.png).
 */
class WebAdminBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ADMIN_PASSWORD = "browser-Pa55word";

    @TempDir
    Path dataDir;
    @TempDir
    Path profile;

    private Pop3Server pop3;
    private MailfetchFixture fixture;
    private FetchEngine service;
    private ChromeDriver browser;

    @BeforeEach
    void setUp() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser test needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver):"
                        + " apt-get install chromium chromium-driver");
        pop3 = new Pop3Server();
        // accounts with anti-spam find spamd down and quarantine their mail (the held-mail test)
        Properties scanning = new Properties();
        scanning.setProperty("mailfetch.antispam.port", String.valueOf(Scanning.closedPort()));
        scanning.setProperty("mailfetch.scanner-unavailable", "quarantine");
        fixture = new MailfetchFixture(dataDir, scanning);
        new AdminPassword(fixture.services().db()).set(ADMIN_PASSWORD);
        service = new FetchEngine(fixture.services(), FetchEngine.Mode.SERVICE, Clock.systemUTC());
        service.start();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1300", "--user-data-dir=" + profile);
        ChromeDriverService driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(driverService, options);
        // Basic credentials on every request of the page (what the browser's login dialog would do)
        String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", basic)));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
        if (fixture != null) {
            fixture.close();
        }
        if (pop3 != null) {
            pop3.close();
        }
    }

    @Test
    void anAccountAddedThroughTheFormShouldBeFetchedByDownloadNow() throws Exception {
        GreenMailUser web = pop3.user("web", "pop-pw-123");
        String subject = pop3.deliver(web);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.get("http://127.0.0.1:" + AdminHttp.port(service.camel()) + "/admin/");
        wait.until(d -> d.findElement(By.cssSelector("#mailboxes li")).getText().contains(MailfetchFixture.OWNER));

        browser.findElement(By.id("add-account")).click();
        WebElement form = browser.findElement(By.id("account-form"));
        wait.until(d -> new Select(form.findElement(By.name("owner"))).getOptions().size() == 1);
        type(form, "name", "web account");
        form.findElement(By.name("enabled")).click(); // disabled: only Download now fetches it
        type(form, "host", "127.0.0.1");
        new Select(form.findElement(By.name("security"))).selectByValue("none");
        type(form, "port", String.valueOf(pop3.port()));
        type(form, "user", "web");
        type(form, "password", "pop-pw-123");
        type(form, "intervalMinutes", "15");
        form.findElement(By.name("receivedDate")).click();
        form.findElement(By.cssSelector("input[name=deleteMode][value=immediately]")).click();
        browser.findElement(By.id("save")).click();

        wait.until(d -> cellText("tbody tr[data-id]", "") != null);
        long id = Long.parseLong((String) browser.executeScript(
                "return document.querySelector('#accounts tbody tr[data-id]').dataset.id"));
        Account saved = fixture.services().accounts().get(id).orElseThrow();
        assertEquals("web account", saved.name());
        assertEquals(15, saved.intervalMinutes());
        assertTrue(saved.receivedDate() && !saved.enabled());
        assertEquals("immediately", saved.deleteMode().toString());
        assertEquals("pop-pw-123", fixture.services().accounts().password(id));
        String row = "tr[data-id='" + id + "'] ";
        assertEquals("never run", cellText(row, ".result"));

        // the list is redrawn by its live polling: click and read through the page, not held elements
        browser.executeScript("document.querySelector(\"#accounts " + row + ".download\").click()");
        wait.until(d -> "ok".equals(cellText(row, ".result")) && "idle".equals(cellText(row, ".status")));
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject)), "message in the Maildir");
        assertTrue(cellText(row, ".last").contains("1 downloaded"), cellText(row, ".last"));

        screenshot("web-admin.png");

        browser.executeScript("document.querySelector(\"#accounts " + row + ".edit\").click()");
        wait.until(d -> "web account".equals(d.findElement(By.name("name")).getAttribute("value")));
        assertEquals("15", form.findElement(By.name("intervalMinutes")).getAttribute("value"));
        assertEquals("", form.findElement(By.name("password")).getAttribute("value"), "the password is never shown");
        screenshot("web-admin-form.png");

        // the local directory: an alias added through its form is listed and stored
        WebElement aliasForm = browser.findElement(By.id("alias-form"));
        type(aliasForm, "address", "info@example.com");
        type(aliasForm, "targets", MailfetchFixture.OWNER + ", bob@partner.example");
        aliasForm.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(d -> d.findElement(By.id("aliases")).getText().contains("info@example.com → " + MailfetchFixture.OWNER));
        assertEquals(java.util.List.of(MailfetchFixture.OWNER, "bob@partner.example"),
                fixture.services().directory().aliasTargets(org.mailfetch.mail.MailAddress.parse("info@example.com")));
    }

    @Test
    void anImapAccountAddedThroughTheFormShouldFetchItsFolders() throws Exception {
        try (ImapServer imap = new ImapServer()) {
            imap.user("webimap", "imap-pw-123");
            ImapServer.Mailbox remote = imap.mailbox("webimap", "imap-pw-123");
            String inbox = remote.append("INBOX", "one\n");
            String work = remote.append("Work", "two\n");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            browser.get("http://127.0.0.1:" + AdminHttp.port(service.camel()) + "/admin/");
            wait.until(d -> d.findElement(By.cssSelector("#mailboxes li")).getText().contains(MailfetchFixture.OWNER));

            browser.findElement(By.id("add-account")).click();
            WebElement form = browser.findElement(By.id("account-form"));
            wait.until(d -> new Select(form.findElement(By.name("owner"))).getOptions().size() == 1);
            assertTrue(!browser.findElement(By.id("imap-options")).isDisplayed(), "no IMAP options for POP3");
            type(form, "name", "web imap");
            form.findElement(By.name("enabled")).click();
            new Select(form.findElement(By.name("protocol"))).selectByValue("imap");
            assertTrue(browser.findElement(By.id("imap-options")).isDisplayed());
            assertEquals("993 (empty: the default)", form.findElement(By.name("port")).getAttribute("placeholder"));
            type(form, "host", "127.0.0.1");
            new Select(form.findElement(By.name("security"))).selectByValue("none");
            assertEquals("143 (empty: the default)", form.findElement(By.name("port")).getAttribute("placeholder"));
            type(form, "port", String.valueOf(imap.port()));
            type(form, "user", "webimap");
            type(form, "password", "imap-pw-123");
            type(form, "folders", "INBOX, Work");
            form.findElement(By.name("markSeen")).click();
            browser.findElement(By.id("save")).click();

            wait.until(d -> cellText("tbody tr[data-id]", "") != null);
            long id = Long.parseLong((String) browser.executeScript(
                    "return document.querySelector('#accounts tbody tr[data-id]').dataset.id"));
            Account saved = fixture.services().accounts().get(id).orElseThrow();
            assertEquals("imap", saved.protocol());
            assertEquals(new org.mailfetch.account.ImapOptions(java.util.List.of("INBOX", "Work"), null, true, false),
                    fixture.services().imapOptions().get(id));
            String row = "tr[data-id='" + id + "'] ";
            assertTrue(cellText(row, ".server").startsWith("IMAP webimap@127.0.0.1:") && cellText(row, ".server")
                    .endsWith(" · INBOX, Work"), cellText(row, ".server"));

            browser.executeScript("document.querySelector(\"#accounts " + row + ".download\").click()");
            wait.until(d -> "ok".equals(cellText(row, ".result")) && "idle".equals(cellText(row, ".status")));
            for (String subject : new String[] {inbox, work}) {
                assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject)), subject);
            }

            browser.executeScript("document.querySelector(\"#accounts " + row + ".edit\").click()");
            wait.until(d -> "web imap".equals(d.findElement(By.name("name")).getAttribute("value")));
            assertEquals("INBOX\nWork", form.findElement(By.name("folders")).getAttribute("value"));
            assertTrue(form.findElement(By.name("markSeen")).isSelected());
            type(form, "moveTo", "INBOX");
            browser.findElement(By.id("save")).click();
            wait.until(d -> d.findElement(By.id("form-error")).isDisplayed());
            assertTrue(browser.findElement(By.id("form-error")).getText().startsWith("moveTo: "),
                    browser.findElement(By.id("form-error")).getText());
            screenshot("web-admin-imap-form.png");
        }
    }

    @Test
    void quarantinedMailShouldBeReleasedFromThePageIntoTheOwnersInbox() throws Exception {
        GreenMailUser bob = pop3.user("bob", "secret");
        String subject = pop3.deliver(bob, "held " + System.nanoTime(), "body\n");
        Account a = Scanning.addAccount(fixture, pop3.port(), "bob", true, false);
        assertEquals(1, fixture.fetch(a.id()).quarantined());
        assertTrue(fixture.delivered().isEmpty());

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.get("http://127.0.0.1:" + AdminHttp.port(service.camel()) + "/admin/");
        wait.until(d -> d.findElement(By.id("quarantine")).getText().contains(subject));
        assertTrue(browser.findElement(By.id("quarantine")).getText().contains("unscanned"));
        browser.executeScript("document.getElementById('held').scrollIntoView()");
        screenshot("web-admin-held.png");

        browser.executeScript("document.querySelector('#quarantine li .release').click()");

        wait.until(d -> d.findElements(By.cssSelector("#quarantine li")).isEmpty());
        assertTrue(fixture.delivered().stream().anyMatch(m -> m.contains("Subject: " + subject)), "in the owner's inbox");
        assertTrue(fixture.services().db().query("SELECT id FROM quarantine_item", rs -> rs.getLong(1)).isEmpty());
    }

    @Test
    void anOAuth2AccountShouldBeAddedAndSignedInFromThePage() throws Exception {
        // a provider's user code is shown as text, never as markup
        String hostileCode = "<b/id=pwn>X</b>"; // no spaces: the core refuses those
        try (org.mailfetch.testsupport.FakeOAuth2Provider idp = new org.mailfetch.testsupport.FakeOAuth2Provider()) {
            idp.device(200, "{\"device_code\":\"d1\",\"user_code\":\"" + hostileCode + "\",\"verification_uri\":\""
                    + idp.issuer() + "/activate\",\"expires_in\":600,\"interval\":1}")
                .token(400, "{\"error\":\"authorization_pending\"}")
                .token(400, "{\"error\":\"authorization_pending\"}").tokens("at", "rt", 3600);
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get("http://127.0.0.1:" + AdminHttp.port(service.camel()) + "/admin/");
            wait.until(d -> d.findElement(By.cssSelector("#mailboxes li")).getText().contains(MailfetchFixture.OWNER));

            browser.findElement(By.id("add-account")).click();
            WebElement form = browser.findElement(By.id("account-form"));
            wait.until(d -> new Select(form.findElement(By.name("owner"))).getOptions().size() == 1);
            type(form, "name", "web oauth2");
            form.findElement(By.name("enabled")).click();
            new Select(form.findElement(By.name("protocol"))).selectByValue("imap");
            type(form, "host", "imap.example.net");
            type(form, "user", "alice@example.net");
            new Select(form.findElement(By.name("auth"))).selectByValue("oauth2");
            assertTrue(!browser.findElement(By.id("password-row")).isDisplayed(), "no password with OAuth2");
            type(form, "oauth2", "issuer:" + idp.issuer());
            type(form, "oauth2ClientId", "test-client");
            browser.findElement(By.id("save")).click();

            wait.until(d -> cellText("tbody tr[data-id]", "") != null);
            String id = (String) browser.executeScript("return document.querySelector('#accounts tbody tr[data-id]').dataset.id");
            String row = "tr[data-id='" + id + "'] ";
            browser.executeScript("document.querySelector(\"#accounts " + row + ".sign-in\").click()");
            wait.until(d -> idp.issuer().concat("/activate").equals(d.findElement(By.id("sign-in-link")).getAttribute("href")));
            assertEquals(hostileCode, browser.findElement(By.id("sign-in-code")).getText());
            assertTrue(browser.findElements(By.id("pwn")).isEmpty(), "the code was not parsed as HTML");
            screenshot("web-admin-sign-in.png");
            wait.until(d -> d.findElement(By.id("sign-in-step")).getText().startsWith("authorized"));
            assertTrue(!browser.findElement(By.id("sign-in-code-row")).isDisplayed(), "the code is gone once authorized");
        }
    }

    /** The text of an element of the account table, read in one step (null if absent). */
    private String cellText(String row, String cell) {
        return (String) browser.executeScript("const e = document.querySelector(arguments[0]);"
                + " return e ? e.textContent : null;", "#accounts " + row + cell);
    }

    private void screenshot(String name) throws Exception {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void type(WebElement form, String field, String text) {
        WebElement input = form.findElement(By.name(field));
        input.clear();
        input.sendKeys(text);
    }
}
