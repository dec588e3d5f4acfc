package org.mailfetch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.mailfetch.config.Settings;

/** mailfetch.node.name: the host name by default, and never anything that could break a log line or a label. */
class NodeTest {

    private static Node named(String name) {
        Properties p = new Properties();
        p.setProperty(Node.NAME, name);
        return Node.from(Settings.of(p));
    }

    @Test
    void theNameShouldDefaultToTheHostName() {
        Node node = Node.from(Settings.of(new Properties()));
        assertTrue(node.name().matches("[A-Za-z0-9._-]{1,63}"), node.name());
        assertEquals(node.name() + "/" + ProcessHandle.current().pid(), node.claimer());
    }

    @Test
    void aConfiguredNameShouldBeUsed() {
        assertEquals("node-a.dc1_2", named("node-a.dc1_2").name());
    }

    @Test
    void namesWithOtherCharactersOrLongerThan63ShouldBeRefusedWithoutEchoingControlCharacters() {
        for (String bad : new String[] {"node a", "node\r\nINFO forged line", "nöde", "x".repeat(64), "a/b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> named(bad), bad);
            assertTrue(e.getMessage().contains(Node.NAME), e.getMessage());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
        }
        assertEquals(63, named("x".repeat(63)).name().length());
    }
}
