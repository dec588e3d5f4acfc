package org.mailfetch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.mailfetch.testsupport.MutableClock;

class LoginThrottleTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T07:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(clock);

    private void fail(String client) {
        assertEquals(Optional.empty(), throttle.admit(client), client + " should be admitted");
        throttle.done(client, false);
    }

    @Test
    void aClientShouldBeHeldBackExponentiallyAfterRepeatedFailuresAndOthersNot() {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES - 1; i++) {
            fail("10.0.0.1");
        }
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
        assertEquals(Duration.ofSeconds(1), throttle.done("10.0.0.1", false));
        assertEquals(Optional.of(Duration.ofSeconds(1)), throttle.admit("10.0.0.1"));
        assertEquals(Optional.of(Duration.ofSeconds(1)), throttle.blocked("10.0.0.1"));
        assertEquals(Optional.empty(), throttle.admit("10.0.0.2"), "another client is not held back");
        throttle.cancel("10.0.0.2");

        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
        assertEquals(Duration.ofSeconds(2), throttle.done("10.0.0.1", false), "doubled");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
        assertEquals(Duration.ofSeconds(4), throttle.done("10.0.0.1", false));
        for (int i = 0; i < 30; i++) {
            clock.advance(LoginThrottle.MAX_BLOCK);
            throttle.admit("10.0.0.1");
            throttle.done("10.0.0.1", false);
        }
        assertEquals(Optional.of(LoginThrottle.MAX_BLOCK), throttle.blocked("10.0.0.1"), "capped");

        clock.advance(LoginThrottle.MAX_BLOCK);
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
        assertEquals(Duration.ZERO, throttle.done("10.0.0.1", true), "a success forgets the failures");
        fail("10.0.0.1");
        assertEquals(Optional.empty(), throttle.blocked("10.0.0.1"));
    }

    @Test
    void cyclingThroughManyAddressesShouldNotWipeTheBlockOfAHeldBackClient() {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            fail("10.0.0.1");
        }
        assertTrue(throttle.blocked("10.0.0.1").isPresent());
        // the attacker fills the table with fresh addresses, each held back in turn
        for (int i = 0; i < LoginThrottle.MAX_CLIENTS + 100; i++) {
            String client = "attacker-" + i; // what the /64 or address key of each source would be
            if (throttle.admit(client).isEmpty()) {
                for (int f = 0; f < LoginThrottle.FREE_FAILURES; f++) {
                    throttle.done(client, false);
                    if (f + 1 < LoginThrottle.FREE_FAILURES && throttle.admit(client).isPresent()) {
                        break;
                    }
                }
            }
        }
        assertTrue(throttle.blocked("10.0.0.1").isPresent(), "still held back");
        assertTrue(throttle.admit("10.0.0.1").isPresent(), "no fresh tries for the first guesser");
    }

    @Test
    void aClientShouldHaveAtMostTwoChecksRunningAtOnce() {
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
        assertTrue(throttle.admit("10.0.0.1").isPresent(), "a third at the same time waits");
        throttle.cancel("10.0.0.1");
        assertEquals(Optional.empty(), throttle.admit("10.0.0.1"));
    }

    @Test
    void ipv6ClientsShouldBeThrottledByTheirSlash64AndIpv4ByTheirAddress() {
        assertEquals("20010db800000001::/64", LoginThrottle.clientKey("2001:db8:0:1::5"));
        assertEquals(LoginThrottle.clientKey("2001:db8:0:1::5"), LoginThrottle.clientKey("2001:db8:0:1:ffff::9"));
        assertTrue(!LoginThrottle.clientKey("2001:db8:0:1::5").equals(LoginThrottle.clientKey("2001:db8:0:2::5")));
        assertEquals("192.0.2.7", LoginThrottle.clientKey("192.0.2.7"));
    }

    @Test
    void failuresShouldBeForgottenAfterAQuietPeriod() {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES - 1; i++) {
            fail("10.0.0.1");
        }
        clock.advance(LoginThrottle.FORGET_AFTER);
        fail("10.0.0.1"); // counts as the first again: no block
        assertEquals(Optional.empty(), throttle.blocked("10.0.0.1"));
    }
}
