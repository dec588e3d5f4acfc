package org.mailfetch.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

import org.mailfetch.config.Settings;
import org.mailfetch.mail.Printable;

/**
 * This node among several on one database: its name ({@value #NAME}, default the host name) goes
 * into the account status (the node that ran the last session), the metrics' {@code node} label and
 * the claims on outbox and quarantine rows. The name is checked (letters, digits, {@code .-_}, at
 * most 63, like a host name label) because it reaches log lines, metric labels and the database.
 * {@code process} tells this node's processes apart (the service and a CLI command on one host).
 */
public record Node(String name, long process) {

    public static final String NAME = "mailfetch.node.name";

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,63}");

    public Node {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("configuration key " + NAME + " must be 1 to 63 letters, digits,"
                    + " '.', '-' or '_', got \"" + Printable.escape(String.valueOf(name), 100) + "\"");
        }
    }

    /** The configured name, else this host's name (its first label when the whole name does not fit). */
    public static Node from(Settings settings) {
        String name = settings.optional(NAME).orElseGet(Node::hostName);
        return new Node(name, ProcessHandle.current().pid());
    }

    /** Who holds a claim: the node and the process, so that the service and a CLI command never share one. */
    public String claimer() {
        return name + "/" + process;
    }

    private static String hostName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "");
        }
        if (!VALID.matcher(host).matches() && host.indexOf('.') > 0) {
            host = host.substring(0, host.indexOf('.'));
        }
        if (!VALID.matcher(host).matches()) {
            throw new IllegalArgumentException("this host's name \"" + Printable.escape(host, 100) + "\" cannot name"
                    + " the node: set " + NAME + " (1 to 63 letters, digits, '.', '-' or '_')");
        }
        return host;
    }
}
