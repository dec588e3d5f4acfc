package org.mailfetch.mail;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The client side of the two OAuth2 SASL mechanisms, shared by POP3, IMAP and SMTP: XOAUTH2 (Google's,
 * also Microsoft's) and OAUTHBEARER (RFC 7628). Each is one initial response; on failure the server
 * sends an error challenge (base64 JSON) that the client must answer — {@link #errorChallengeAnswer}
 * — before the server ends the exchange with its refusal.
 *
 * <p>Every field goes into a message whose separator is \x01 and which travels on a protocol line:
 * a user, host or token holding a control byte (CR, LF, \x01 ...) is refused here rather than sent,
 * and a token must be an RFC 6750 b64token, so that nothing can be smuggled into a field or a command.
 * Messages never include the token in what they say.
 */
public final class OAuthSasl {

    public static final String XOAUTH2 = "XOAUTH2";
    public static final String OAUTHBEARER = "OAUTHBEARER";

    private OAuthSasl() {
    }

    /** Whether mailfetch can speak this mechanism (upper case). */
    public static boolean known(String mechanism) {
        return XOAUTH2.equals(mechanism) || OAUTHBEARER.equals(mechanism);
    }

    /**
     * The first of {@code wanted} (most wanted first) that {@code offered} holds (compared without
     * case), or null when none is.
     */
    public static String choose(List<String> wanted, List<String> offered) {
        for (String w : wanted) {
            for (String o : offered) {
                if (o.toUpperCase(Locale.ROOT).equals(w)) {
                    return w;
                }
            }
        }
        return null;
    }

    /** XOAUTH2: {@code user=U \x01 auth=Bearer T \x01 \x01}. */
    public static byte[] xoauth2(String user, String token) {
        requireField(user, "user name");
        requireToken(token);
        return ("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * OAUTHBEARER (RFC 7628 section 3.1): {@code n,a=U,\x01host=H\x01port=P\x01auth=Bearer T\x01\x01},
     * U as a GS2 saslname (RFC 5801: "," as =2C, "=" as =3D). No channel binding ("n").
     */
    public static byte[] oauthBearer(String user, String host, int port, String token) {
        requireField(user, "user name");
        requireField(host, "host name");
        requireToken(token);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        String saslname = user.replace("=", "=3D").replace(",", "=2C");
        return ("n,a=" + saslname + ",\u0001host=" + host + "\u0001port=" + port + "\u0001auth=Bearer " + token
                + "\u0001\u0001").getBytes(StandardCharsets.UTF_8);
    }

    /** The initial response of {@code mechanism}. */
    public static byte[] initialResponse(String mechanism, String user, String host, int port, String token) {
        return switch (mechanism) {
            case XOAUTH2 -> xoauth2(user, token);
            case OAUTHBEARER -> oauthBearer(user, host, port, token);
            default -> throw new IllegalArgumentException("not an OAuth2 SASL mechanism: " + mechanism);
        };
    }

    /**
     * What the client answers to the server's error challenge: XOAUTH2 an empty response (Google's
     * document), OAUTHBEARER a single \x01 (RFC 7628 section 3.2.3). The server then sends its refusal.
     */
    public static byte[] errorChallengeAnswer(String mechanism) {
        return OAUTHBEARER.equals(mechanism) ? new byte[] {1} : new byte[0];
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Decodes base64; null when {@code text} is not base64 (a server's challenge may be anything). */
    public static byte[] fromBase64(String text) {
        try {
            return Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void requireField(String s, String what) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " is empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                throw new IllegalArgumentException("the " + what + " contains a control character (0x"
                        + Integer.toHexString(ch) + "); it is never sent to the server");
            }
        }
    }

    /** RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
    private static void requireToken(String t) {
        if (t == null || t.isEmpty()) {
            throw new IllegalArgumentException("the access token is empty");
        }
        int i = 0;
        while (i < t.length() && tokenChar(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("the access token is not an RFC 6750 b64token");
        }
        while (i < t.length() && t.charAt(i) == '=') {
            i++;
        }
        if (i != t.length()) {
            // the position only: the token itself must not reach a message
            throw new IllegalArgumentException("the access token is not an RFC 6750 b64token (a character at "
                    + i + " is not allowed)");
        }
    }

    private static boolean tokenChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }
}
