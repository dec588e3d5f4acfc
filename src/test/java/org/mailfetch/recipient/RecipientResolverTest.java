package org.mailfetch.recipient;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import jakarta.mail.internet.InternetHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailfetch.mail.Account;
import org.mailfetch.mail.DeleteMode;
import org.mailfetch.testsupport.MailfetchFixture;
import org.mailfetch.mail.MailAddress;

/**
 * The recipient splitter against a real directory (H2): one row per case, headers in, mailboxes
 * and routed addresses out. The owner is alice@example.com.
 */
class RecipientResolverTest {

    @TempDir
    static Path dataDir;

    private static MailfetchFixture fixture;
    private static RecipientResolver resolver;
    private static Account account;

    @BeforeAll
    static void directory() {
        fixture = new MailfetchFixture(dataDir);
        LocalDirectory d = fixture.services().directory();
        for (String m : List.of("bob", "carol", "dave")) {
            d.addMailbox(m + "@example.com");
        }
        d.addAlias("sales@example.com", List.of("bob@example.com", "carol@example.com"));
        d.addAlias("info@example.com", List.of("sales@example.com"));
        d.addAlias("loop1@example.com", List.of("loop2@example.com"));
        d.addAlias("loop2@example.com", List.of("loop1@example.com", "bob@example.com"));
        d.addAlias("fwd@example.com", List.of("yann@partner.example"));
        d.addList("team@example.com", List.of("alice@example.com", "bob@example.com", "carol@example.com"));
        d.addDomain("catchall.example", "dave@example.com", null);
        d.addDomain("bücher.example");
        d.addMailbox("erika@bücher.example");
        fixture.services().smtpRoutes().add("partner.example", "127.0.0.1", 2525, false, null, null);
        resolver = new RecipientResolver(d, fixture.services().smtpRoutes());
        account = fixture.services().accounts().add(account(true, true), "pw");
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    private static Account account(boolean mimeRecipients, boolean routeRecipients) {
        Account a = MailfetchFixture.plain("catch-all box", 110, "box", DeleteMode.NEVER);
        return new Account(a.id(), a.name(), true, "pop3", a.host(), a.port(), a.security(), a.userName(), null, 30,
                mimeRecipients, a.recipientHeaders(), a.envelopeHeaders(), routeRecipients, false, false, false,
                DeleteMode.NEVER, a.ownerAddress(), Instant.now());
    }

    static Stream<Arguments> table() {
        String alice = "alice@example.com";
        String bob = "bob@example.com";
        String carol = "carol@example.com";
        String dave = "dave@example.com";
        String erika = "erika@xn--bcher-kva.example";
        return Stream.of(
                row("plain To", "To: bob@example.com", l(bob), l()),
                row("upper case address", "To: BOB@EXAMPLE.COM", l(bob), l()),
                row("To and Cc", "To: bob@example.com\nCc: carol@example.com", l(bob, carol), l()),
                row("same address in To and Cc", "To: bob@example.com\nCc: Bob <bob@example.com>", l(bob), l()),
                row("folded To", "To: bob@example.com,\n carol@example.com", l(bob, carol), l()),
                row("alias", "To: sales@example.com", l(bob, carol), l()),
                row("nested alias", "To: info@example.com", l(bob, carol), l()),
                row("alias cycle", "To: loop1@example.com", l(bob), l()),
                row("distribution list", "To: team@example.com", l(alice, bob, carol), l()),
                row("list and a member in To", "To: team@example.com, bob@example.com", l(alice, bob, carol), l()),
                row("same mailbox by alias and directly", "To: sales@example.com\nCc: carol@example.com", l(bob, carol), l()),
                row("plus-addressing", "To: bob+news@example.com", l(bob), l()),
                row("plus-addressing on an alias", "To: sales+q3@example.com", l(bob, carol), l()),
                row("catch-all", "To: anyone@catchall.example", l(dave), l()),
                row("plus-addressing then catch-all", "To: who+tag@catchall.example", l(dave), l()),
                row("unknown local address without catch-all", "To: nobody@example.com", l(alice), l()),
                row("only external recipients", "To: someone@elsewhere.org", l(alice), l()),
                row("IDN domain in UTF-8", "To: Erika <erika@bücher.example>", l(erika), l()),
                row("IDN domain in punycode", "To: erika@XN--BCHER-KVA.example", l(erika), l()),
                row("encoded-word display name", "To: =?UTF-8?B?w4RnaXIgQ2Fyb2w=?= <carol@example.com>", l(carol), l()),
                row("encoded-word with a comma", "To: \"=?ISO-8859-1?Q?M=FCller,_Bob?=\" <bob@example.com>, carol@example.com",
                        l(bob, carol), l()),
                row("group syntax", "To: Team: bob@example.com, carol@example.com;", l(bob, carol), l()),
                row("empty group and Received for", "To: undisclosed-recipients:;\n"
                        + "Received: from mx.provider.net by pop.provider.net for <dave@example.com>; Mon, 2 Mar 2026 10:00:00 +0000",
                        l(dave), l()),
                row("quoted local part", "To: \"bob\"@example.com", l(bob), l()),
                row("malformed header next to a good one", "To: <<<garbage@@ ,,\nCc: carol@example.com", l(carol), l()),
                row("nothing but garbage", "To: ;;;:::\"\nCc: @@@", l(alice), l()),
                row("no recipient headers at all", "Subject: hello", l(alice), l()),
                row("Delivered-To wins over To", "Delivered-To: dave@example.com\nTo: bob@example.com, carol@example.com",
                        l(dave), l()),
                row("Delivered-To of the external box is ignored", "Delivered-To: box@provider.net\nTo: bob@example.com",
                        l(bob), l()),
                row("X-Original-To is an envelope header", "X-Original-To: carol@example.com\nTo: bob@example.com", l(carol), l()),
                row("two Delivered-To headers", "Delivered-To: dave@example.com\nDelivered-To: carol@example.com\nTo: bob@example.com",
                        l(carol, dave), l()),
                row("X-RCPT-TO envelope with plus tag", "X-RCPT-TO: <bob+x@example.com>\nTo: carol@example.com", l(bob), l()),
                row("Received for an external address, To local", "Received: from a by b for <x@provider.net>; Mon, 2 Mar 2026"
                        + " 10:00:00 +0000\nTo: carol@example.com", l(carol), l()),
                row("Received for without brackets", "Received: from a by b for bob@example.com; Mon, 2 Mar 2026 10:00:00 +0000",
                        l(bob), l()),
                row("routed recipient", "To: yann@partner.example", l(), l("yann@partner.example")),
                row("routed and local", "To: bob@example.com, yann@partner.example", l(bob), l("yann@partner.example")),
                row("routed envelope recipient", "Delivered-To: yann@partner.example\nTo: bob@example.com", l(),
                        l("yann@partner.example")),
                row("alias to a routed address", "To: fwd@example.com", l(), l("yann@partner.example")),
                row("routed twice, one copy", "To: yann@partner.example, YANN@partner.example", l(), l("yann@partner.example")),
                row("routing loop goes to the owner", "X-Mailfetch-Routed: account=ACCOUNT; route=partner.example\n"
                        + "To: yann@partner.example", l(alice), l()),
                row("trace of another account is no loop", "X-Mailfetch-Routed: account=999999; route=partner.example\n"
                        + "To: yann@partner.example", l(), l("yann@partner.example")));
    }

    private static Arguments row(String name, String headers, List<String> mailboxes, List<String> routed) {
        return Arguments.of(name, headers, mailboxes, routed);
    }

    private static List<String> l(String... addresses) {
        return Arrays.asList(addresses);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void recipientsShouldBeTheOnesTheTableNames(String name, String headers, List<String> mailboxes, List<String> routed)
            throws Exception {
        RecipientResolver.Recipients r = resolver.resolve(account, headers(headers));

        assertEquals(sorted(mailboxes), sorted(r.mailboxes().stream().map(MailAddress::toString).toList()), "mailboxes");
        assertEquals(r.mailboxes().stream().distinct().count(), r.mailboxes().size(), "one copy per mailbox");
        assertEquals(sorted(routed), sorted(r.routed().stream().map(MailAddress::toString).toList()), "routed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withoutOptions")
    void optionsOffShouldSendToTheOwnerOrNotRoute(String name, Account options, String headers, List<String> mailboxes)
            throws Exception {
        RecipientResolver.Recipients r = resolver.resolve(options, headers(headers));

        assertEquals(mailboxes, r.mailboxes().stream().map(MailAddress::toString).toList());
        assertEquals(List.of(), r.routed());
    }

    static Stream<Arguments> withoutOptions() {
        return Stream.of(
                Arguments.of("MIME recipients off", account(false, true), "To: bob@example.com", l("alice@example.com")),
                Arguments.of("route recipients off", account(true, false), "To: yann@partner.example", l("alice@example.com")),
                Arguments.of("route recipients off, local kept", account(true, false),
                        "To: bob@example.com, yann@partner.example", l("bob@example.com")));
    }

    private static RecipientResolver.Headers headers(String text) throws Exception {
        String withAccount = text.replace("ACCOUNT", String.valueOf(account.id()));
        InternetHeaders h = new InternetHeaders(new ByteArrayInputStream(
                (withAccount + "\n\n").getBytes(StandardCharsets.UTF_8)));
        return name -> {
            String[] v = h.getHeader(name);
            return v == null ? new String[0] : v;
        };
    }

    private static List<String> sorted(List<String> in) {
        return in.stream().sorted().toList();
    }
}
