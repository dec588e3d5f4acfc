package org.mailfetch.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

import org.mailfetch.config.Settings;

/** This node's name, {@code mailfetch.node.name}: the host name unless set. */
public final class NodeName {

    public static final String KEY = "mailfetch.node.name";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,63}");

    private NodeName() {
    }

    public static String of(Settings settings) {
        String name = settings.optional(KEY).map(String::strip).filter(s -> !s.isEmpty()).orElseGet(NodeName::host);
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException(KEY + " must be 1 to 63 letters, digits, '.', '-' or '_'");
        }
        return name;
    }

    private static String host() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return VALID.matcher(h).matches() ? h : "node";
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
