package org.mailfetch.recipient;

import java.nio.file.Path;

/** Where a domain's LMTP server listens: {@code HOST:PORT} or {@code unix:/PATH}. */
public record LmtpTarget(String host, int port, Path socket) {

    /** Given to {@link LocalDirectory#updateDomain} to switch a domain back to Maildir. */
    public static final LmtpTarget NONE = new LmtpTarget("", 0, null);

    public static LmtpTarget parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.startsWith("unix:")) {
            String path = t.substring("unix:".length());
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("LMTP socket must be an absolute path: unix:/PATH, got '" + text + "'");
            }
            return new LmtpTarget(null, 0, Path.of(path));
        }
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("LMTP target must be HOST:PORT or unix:/PATH, got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("LMTP port must be 1..65535, got '" + text + "'");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new LmtpTarget(host, port, null);
    }

    public boolean isUnixSocket() {
        return socket != null;
    }

    @Override
    public String toString() {
        return socket != null ? "unix:" + socket : host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
