package org.mailfetch.mail;

/** How the POP3 connection is protected; the CLI spells them ssl, starttls, starttls-optional, none. */
public enum Security {
    SSL("ssl", 995),
    /** STLS must be offered in CAPA; plaintext is refused. */
    STARTTLS("starttls", 110),
    /** STLS when CAPA offers it; never falls back to plaintext after a failed handshake. */
    STARTTLS_OPTIONAL("starttls-optional", 110),
    NONE("none", 110);

    private final String cliName;
    private final int defaultPort;

    Security(String cliName, int defaultPort) {
        this.cliName = cliName;
        this.defaultPort = defaultPort;
    }

    public String cliName() {
        return cliName;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public static Security parse(String text) {
        for (Security s : values()) {
            if (s.cliName.equalsIgnoreCase(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown security '" + text + "' (ssl, starttls, starttls-optional, none)");
    }
}
