package org.mailfetch.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ReceivedDateTest {

    static final Instant NOW = Instant.parse("2024-06-01T00:00:00Z");

    /** A real-world Received header value and the instant its date stands for. */
    record Sample(String shape, String header, String expected) {
    }

    /** Shared with {@link ReceivedDateFuzzTest} as the seed corpus for mutations. */
    static final List<Sample> SAMPLES = List.of(
        // --- MTAs ---
        new Sample("Postfix relay with (CET) comment",
            "from mail.example.org (mail.example.org [192.0.2.10])\r\n\tby mx.example.com (Postfix) with ESMTPS id 4TqAbc1234z9\r\n\tfor <user@example.com>; Tue,  5 Mar 2024 10:11:12 +0100 (CET)",
            "2024-03-05T09:11:12Z"),
        new Sample("Postfix local pickup with (UTC) comment",
            "by mx.example.com (Postfix, from userid 1000)\n\tid 0A1B2C3D4E; Tue,  5 Mar 2024 10:11:12 +0000 (UTC)",
            "2024-03-05T10:11:12Z"),
        new Sample("Postfix behind amavisd-new",
            "from mail.example.com ([127.0.0.1])\r\n\tby localhost (mail.example.com [127.0.0.1]) (amavisd-new, port 10032)\r\n\twith ESMTP id AbCdEf12345; Tue,  5 Mar 2024 10:11:12 +0100 (CET)",
            "2024-03-05T09:11:12Z"),
        new Sample("Exim with date on its own folded line",
            "from [198.51.100.7] (helo=client.example.net)\r\n\tby smtp.example.com with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.96)\r\n\t(envelope-from <alice@example.net>)\r\n\tid 1rhXyz-000AbC-2D\r\n\tfor bob@example.com;\r\n\tTue, 05 Mar 2024 10:11:12 +0100",
            "2024-03-05T09:11:12Z"),
        new Sample("Exim local delivery, negative offset",
            "from alice by host.example.com with local (Exim 4.94.2)\n\t(envelope-from <alice@host.example.com>)\n\tid 1rhXyz-0001Ab-Cd; Tue, 05 Mar 2024 10:11:12 -0500",
            "2024-03-05T15:11:12Z"),
        new Sample("Sendmail",
            "from relay.example.com (relay.example.com [203.0.113.5])\n\tby mail.example.org (8.15.2/8.15.2) with ESMTP id 425ABCDE012345\n\tfor <carol@example.org>; Tue, 5 Mar 2024 10:11:12 -0800",
            "2024-03-05T18:11:12Z"),
        new Sample("old Sendmail with 2-digit year 98",
            "from host.example.com by mail.example.org (8.8.5/8.8.5) with SMTP id KAA01234; Thu, 12 Feb 98 10:11:12 -0500",
            "1998-02-12T15:11:12Z"),
        new Sample("qmail invoked by uid",
            "(qmail 1234 invoked by uid 89); 5 Mar 2024 10:11:12 -0000",
            "2024-03-05T10:11:12Z"),
        new Sample("qmail invoked from network",
            "(qmail 27834 invoked from network); 5 Mar 2024 10:11:12 -0000",
            "2024-03-05T10:11:12Z"),
        new Sample("qmail SMTP hop",
            "from unknown (HELO mail.example.net) (198.51.100.20)\n  by mx.example.com with SMTP; 5 Mar 2024 10:11:12 -0000",
            "2024-03-05T10:11:12Z"),
        new Sample("Exchange on-premises, folded inside the date",
            "from EXCH01.corp.example.com (10.0.0.1) by EXCH02.corp.example.com\r\n (10.0.0.2) with Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.35; Tue, 5 Mar\r\n 2024 10:11:12 +0000",
            "2024-03-05T10:11:12Z"),
        new Sample("Microsoft 365 mapi hop",
            "from AM0PR01MB1234.eurprd01.prod.exchangelabs.com\r\n ([fe80::1234:5678:9abc:def0]) by AM0PR01MB1234.eurprd01.prod.exchangelabs.com\r\n ([fe80::1234:5678:9abc:def0%5]) with mapi id 15.20.7362.019; Tue, 5 Mar 2024\r\n 10:11:12 +0000",
            "2024-03-05T10:11:12Z"),
        new Sample("Microsoft 365 frontend",
            "from DB8PR01CA0001.eurprd01.prod.outlook.com (2603:10a6:10:1::11) by VI1PR01MB0001.eurprd01.prod.outlook.com (2603:10a6:800:1::22) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7362.22 ; Tue, 5 Mar 2024 10:11:12 +0000",
            "2024-03-05T10:11:12Z"),
        new Sample("Gmail internal hop with (PST)",
            "by 2002:a05:6a10:1234:b0:5a1:2345:6789 with SMTP id abc123csp456789pxb;\r\n        Tue, 5 Mar 2024 02:11:12 -0800 (PST)",
            "2024-03-05T10:11:12Z"),
        new Sample("Gmail MX hop with Google Transport Security comment",
            "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\r\n        by mx.google.com with SMTPS id a1sor1234567ljb.12.2024.03.05.02.11.12\r\n        for <dave@example.com>\r\n        (Google Transport Security);\r\n        Tue, 05 Mar 2024 02:11:12 -0800 (PST)",
            "2024-03-05T10:11:12Z"),
        new Sample("Dovecot LMTP",
            "from mx.example.com\r\n\tby imap.example.com with LMTP\r\n\tid kJ3xABCdZmU1PAAAYBr0Eg\r\n\t(envelope-from <alice@example.net>)\r\n\tfor <bob@example.com>; Tue, 05 Mar 2024 10:11:12 +0100",
            "2024-03-05T09:11:12Z"),
        new Sample("Dovecot LMTP from localhost, unfolded",
            "from localhost ([127.0.0.1]) by imap.example.com (Dovecot) with LMTP id 8Hk2Ew; Tue, 5 Mar 2024 10:11:12 +0100 (CET)",
            "2024-03-05T09:11:12Z"),
        new Sample("hMailServer with ';' on its own line",
            "from mail.example.net ([198.51.100.3])\r\n\tby hmail.example.com with hMailServer\r\n\t; Tue, 5 Mar 2024 11:11:12 +0100",
            "2024-03-05T10:11:12Z"),
        new Sample("Courier ESMTPSA",
            "from host.example.net (host.example.net [192.0.2.44]) (AUTH: LOGIN erin) by mail.example.com with ESMTPSA; Tue, 05 Mar 2024 10:11:12 +0100",
            "2024-03-05T09:11:12Z"),
        new Sample("semicolon inside an earlier comment",
            "from x.example (x.example [192.0.2.1]; weird) by y.example with SMTP id 1; Tue, 5 Mar 2024 10:11:12 +0000",
            "2024-03-05T10:11:12Z"),
        // --- lenient date forms ---
        new Sample("missing weekday", "by b with ESMTP id X; 5 Mar 2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("2-digit year 24", "by b; Tue, 5 Mar 24 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("2-digit year 00", "by b; Sat, 1 Jan 00 00:00:00 +0000", "2000-01-01T00:00:00Z"),
        new Sample("2-digit year 99", "by b; Fri, 31 Dec 99 23:59:59 GMT", "1999-12-31T23:59:59Z"),
        new Sample("no seconds", "by b; Tue, 5 Mar 2024 10:11 +0000", "2024-03-05T10:11:00Z"),
        new Sample("single-digit hour", "by b; Tue, 5 Mar 2024 9:11:12 +0000", "2024-03-05T09:11:12Z"),
        new Sample("fractional seconds", "by b; Tue, 5 Mar 2024 10:11:12.345 +0000", "2024-03-05T10:11:12.345Z"),
        new Sample("full weekday and month names", "by b; Tuesday, 5 March 2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("upper-case names", "by b; TUE, 05 MAR 2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("lower-case names and 'Sept'", "by b; tue, 5 sept 2023 10:11:12 +0000", "2023-09-05T10:11:12Z"),
        new Sample("leap day crossing into March", "by b; Thu, 29 Feb 2024 23:59:59 -0100", "2024-03-01T00:59:59Z"),
        new Sample("leap second 60", "by b; Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z"),
        new Sample("zone UT", "by b; Tue, 5 Mar 2024 10:11:12 UT", "2024-03-05T10:11:12Z"),
        new Sample("zone UTC", "by b; Tue, 5 Mar 2024 10:11:12 UTC", "2024-03-05T10:11:12Z"),
        new Sample("zone Z", "by b; Tue, 5 Mar 2024 10:11:12 Z", "2024-03-05T10:11:12Z"),
        new Sample("zone EST", "by b; Tue, 5 Mar 2024 10:11:12 EST", "2024-03-05T15:11:12Z"),
        new Sample("zone EDT", "by b; Tue, 5 Mar 2024 10:11:12 EDT", "2024-03-05T14:11:12Z"),
        new Sample("zone CST", "by b; Tue, 5 Mar 2024 10:11:12 CST", "2024-03-05T16:11:12Z"),
        new Sample("zone CDT", "by b; Tue, 5 Mar 2024 10:11:12 CDT", "2024-03-05T15:11:12Z"),
        new Sample("zone MST", "by b; Tue, 5 Mar 2024 10:11:12 MST", "2024-03-05T17:11:12Z"),
        new Sample("zone MDT", "by b; Tue, 5 Mar 2024 10:11:12 mdt", "2024-03-05T16:11:12Z"),
        new Sample("zone PST", "by b; Tue, 5 Mar 2024 10:11:12 PST", "2024-03-05T18:11:12Z"),
        new Sample("zone PDT", "by b; Tue, 5 Mar 2024 10:11:12 PDT", "2024-03-05T17:11:12Z"),
        new Sample("military zone letter treated as -0000", "by b; Tue, 5 Mar 2024 10:11:12 N", "2024-03-05T10:11:12Z"),
        new Sample("unknown alphabetic zone treated as -0000", "by b; Tue, 5 Mar 2024 10:11:12 CET", "2024-03-05T10:11:12Z"),
        new Sample("zone -05:30", "by b; Tue, 5 Mar 2024 10:11:12 -05:30", "2024-03-05T15:41:12Z"),
        new Sample("zone +01", "by b; Tue, 5 Mar 2024 10:11:12 +01", "2024-03-05T09:11:12Z"),
        new Sample("zone GMT+0100", "by b; Tue, 5 Mar 2024 10:11:12 GMT+0100", "2024-03-05T09:11:12Z"),
        new Sample("missing zone means UTC", "by b; Tue, 5 Mar 2024 10:11:12", "2024-03-05T10:11:12Z"),
        new Sample("nested comment", "by b; Tue, 5 Mar 2024 10:11:12 +0100 (CET (Central European Time))", "2024-03-05T09:11:12Z"),
        new Sample("comment between fields", "by b; Tue, 5 Mar 2024 (local) 10:11:12 +0100", "2024-03-05T09:11:12Z"),
        new Sample("extra spaces and tabs", "by b;\t  Tue ,   5\t Mar   2024    10:11:12\t\t+0100   ", "2024-03-05T09:11:12Z"),
        new Sample("ISO-like with space", "by b; 2024-03-05 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("ISO 8601 with T and Z", "by b; 2024-03-05T10:11:12Z", "2024-03-05T10:11:12Z"),
        new Sample("ISO 8601 with fraction and +01:00", "by b; 2024-03-05T10:11:12.5+01:00", "2024-03-05T09:11:12.500Z"),
        new Sample("asctime-like", "by b; Tue Mar  5 10:11:12 2024", "2024-03-05T10:11:12Z"),
        new Sample("asctime-like with zone name before year", "by b; Tue Mar 5 10:11:12 EST 2024", "2024-03-05T15:11:12Z"),
        new Sample("trailing dot garbage", "by b; Tue, 5 Mar 2024 10:11:12 +0000.", "2024-03-05T10:11:12Z"),
        new Sample("dots after names", "by b; Tue., 5. Mar. 2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("slash-separated day/month/year", "by b; 5/Mar/2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("dash-separated day-month-year", "by b; 05-Mar-2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("header name still attached", "Received: from a by b; Tue, 5 Mar 2024 10:11:12 +0000", "2024-03-05T10:11:12Z"),
        new Sample("window lower bound is inclusive", "by b; Tue, 1 Jan 1980 00:00:00 +0000", "1980-01-01T00:00:00Z"),
        new Sample("exactly one day after now is accepted", "by b; Sun, 2 Jun 2024 00:00:00 +0000", "2024-06-02T00:00:00Z"));

    static Stream<Arguments> realWorldHeaders() {
        return SAMPLES.stream().map(s -> Arguments.of(s.shape(), s.header(), s.expected()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("realWorldHeaders")
    void parseShouldReturnTheExactInstantForRealWorldHeaderShapes(String shape, String header, String expected) {
        assertEquals(Optional.of(Instant.parse(expected)), ReceivedDate.parse(header, NOW));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = {
        " \r\n\t ",
        "from a.example by b.example with SMTP id 42",      // no ';'
        "from a by b;",                                     // nothing after ';'
        "from a by b;   \r\n\t",
        "from a by b; garbage",
        "from a by b; ;;; ... /// ---",
        "from a by b; Tue, 5 Mar 2024",                     // no time
        "from a by b; 10:11:12 +0000",                      // no date
        "from a by b; Tue, 5 Foo 2024 10:11:12 +0000",      // unknown month
        "from a by b; Tue, 31 Feb 2024 10:11:12 +0000",     // no such day
        "from a by b; Tue, 32 Mar 2024 10:11:12 +0000",
        "from a by b; Tue, 5 Mar 2024 25:11:12 +0000",      // hour out of range
        "from a by b; Tue, 5 Mar 2024 10:60:12 +0000",      // minute out of range
        "from a by b; Tue, 5 Mar 2024 10:11:12 +9999",      // offset out of range
        "from a by b; Tue, 5 Mar 2024 10:11:12 +1859",      // beyond the 18h java.time allows
        "from a by b; Tue, 5 Mar 20245 10:11:12 +0000",     // 5-digit year
        "from a by b; 2024-13-05 10:11:12 +0000",
        "from a by b; Tue, 5 Mar 2024 10:11:12 +0000 (no; date here)", // the LAST ';' counts
        "from a by b; \u0665 Mar 2024 10:11:12 +0000",      // Arabic-Indic digit is not a day
    })
    void parseShouldReturnEmptyForUnparsableValues(String header) {
        assertEquals(Optional.empty(), ReceivedDate.parse(header, NOW));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "from a by b; Thu, 1 Jan 1970 00:00:00 +0000",
        "from a by b; Mon, 31 Dec 1979 23:59:59 +0000",
        "from a by b; Tue, 1 Jan 1980 00:30:00 +0100",      // 1979 in UTC
        "from a by b; Wed, 1 Jan 50 00:00:00 +0000",        // 2-digit 50 is 1950
        "from a by b; Sun, 31 Dec 1899 23:59:59 +0000",
    })
    void parseShouldIgnoreDatesBefore1980(String header) {
        assertEquals(Optional.empty(), ReceivedDate.parse(header, NOW));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "from a by b; Sun, 2 Jun 2024 00:00:01 +0000",      // one day and one second ahead
        "from a by b; Fri, 1 Jan 49 00:00:00 +0000",        // 2-digit 49 is 2049
        "from a by b; Thu, 5 Mar 2099 10:11:12 +0000",
        "from a by b; Fri, 31 Dec 9999 23:59:59 -1800",
    })
    void parseShouldIgnoreDatesMoreThanADayInTheFuture(String header) {
        assertEquals(Optional.empty(), ReceivedDate.parse(header, NOW));
    }

    @Test
    void parseShouldMeasureTheFutureWindowFromTheGivenNow() {
        String header = "from a by b; Thu, 5 Mar 2099 10:11:12 +0000";
        Instant later = Instant.parse("2099-03-05T00:00:00Z");
        assertEquals(Optional.of(Instant.parse("2099-03-05T10:11:12Z")), ReceivedDate.parse(header, later));
    }

    @Test
    void parseShouldOnlyLookAtABoundedTextAfterTheLastSemicolon() {
        String padding = " ".repeat(ReceivedDate.MAX_DATE_CHARS);
        assertEquals(Optional.empty(),
            ReceivedDate.parse("by b;" + padding + "Tue, 5 Mar 2024 10:11:12 +0000", NOW));
    }

    @Test
    void parseShouldRejectANullNowAsAProgrammingError() {
        assertThrows(NullPointerException.class, () -> ReceivedDate.parse("by b; 5 Mar 2024 10:11 +0000", null));
    }

    @Test
    void fromTopmostShouldUseTheFirstReceivedHeader() {
        List<String> received = List.of(
            "from relay by mx; Tue, 5 Mar 2024 10:11:12 +0000",
            "from client by relay; Tue, 5 Mar 2024 10:00:00 +0000");
        assertEquals(Optional.of(Instant.parse("2024-03-05T10:11:12Z")), ReceivedDate.fromTopmost(received, NOW));
    }

    @Test
    void fromTopmostShouldNotFallBackToOlderHeadersWhenTheTopmostIsUnparsable() {
        List<String> received = List.of(
            "from relay by mx with SMTP id 1",
            "from client by relay; Tue, 5 Mar 2024 10:00:00 +0000");
        assertEquals(Optional.empty(), ReceivedDate.fromTopmost(received, NOW));
    }

    @Test
    void fromTopmostShouldReturnEmptyForMissingHeaders() {
        assertEquals(Optional.empty(), ReceivedDate.fromTopmost(null, NOW));
        assertEquals(Optional.empty(), ReceivedDate.fromTopmost(List.of(), NOW));
        assertEquals(Optional.empty(), ReceivedDate.fromTopmost(Arrays.asList((String) null), NOW));
    }
}
