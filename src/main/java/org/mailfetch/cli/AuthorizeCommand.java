package org.mailfetch.cli;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

import org.mailfetch.mail.Printable;
import org.mailfetch.oauth2.SignInFailed;
import org.mailfetch.oauth2.SignInListener;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code account authorize ID [--browser] [--timeout MINUTES]}: signs an OAuth2 account in, in this
 * process. Stdout carries only the lines a user (or a script) needs while we wait, each flushed at
 * once: {@code verification_uri: URL}, {@code user_code: CODE} and, when the provider gives one,
 * {@code verification_uri_complete: URL} (device flow), or {@code authorization_url: URL}
 * (--browser). Hints and the outcome go to stderr. Never a token or secret anywhere.
 */
@Command(name = "authorize", sortOptions = false,
        description = {"Sign an OAuth2 account in (account add|update --oauth2 first) and store its tokens.",
                "Device flow (default): prints verification_uri: URL, user_code: CODE and, when the provider gives one,"
                        + " verification_uri_complete: URL on stdout, then waits until you approve on any device.",
                "--browser: authorization code + PKCE with a redirect to a loopback port of this machine; prints"
                        + " authorization_url: URL to open in a browser here (or through ssh -L)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:authorized: the account signs in with OAuth2 from now on",
                "1:the provider refused (client id or secret, scope, a flow it does not offer), or no such account",
                "2:bad arguments",
                "3:the provider was unavailable or answered nonsense: try again later",
                "4:the user denied the request",
                "5:the code or --timeout ran out before the user approved",
                "6:the account does not sign in with OAuth2, or has no client id"})
final class AuthorizeCommand implements Callable<Integer> {

    /** The exit code of each way a sign-in fails (2 stays "bad arguments"). */
    static final Map<SignInFailed.Reason, Integer> EXIT = Map.of(
            SignInFailed.Reason.REFUSED, 1,
            SignInFailed.Reason.UNAVAILABLE, 3,
            SignInFailed.Reason.DENIED, 4,
            SignInFailed.Reason.EXPIRED, 5,
            SignInFailed.Reason.NOT_CONFIGURED, 6);

    @ParentCommand AccountCommand parent;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;
    @Option(names = "--browser", description = "Code + PKCE in a browser on this machine instead of the device flow"
            + " (Google allows no device flow for mail)") boolean browser;
    @Option(names = "--timeout", paramLabel = "MINUTES", description = "--browser: how long to wait for the redirect"
            + " (default 10)") Integer timeoutMinutes;

    @Override
    public Integer call() throws Exception {
        if (timeoutMinutes != null && !browser) {
            throw new ParameterException(spec.commandLine(),
                    "--timeout is for --browser (the device code's own lifetime bounds the device flow)");
        }
        int minutes = timeoutMinutes == null ? 10 : timeoutMinutes;
        if (minutes < 1 || minutes > 24 * 60) {
            throw new ParameterException(spec.commandLine(), "--timeout must be 1 to 1440 minutes");
        }
        try (Services s = parent.services()) {
            new AccountService(s).get(id);
            Shown shown = new Shown(System.out, System.err);
            try {
                if (browser) {
                    s.signIn().browser(id, shown, Duration.ofMinutes(minutes));
                } else {
                    s.signIn().device(id, shown);
                }
            } catch (SignInFailed e) {
                System.err.println("mailfetch: account " + id + " not authorized: " + Printable.of(e.getMessage()));
                return EXIT.getOrDefault(e.reason(), Cli.FAILED);
            }
            System.err.println("authorized: account " + id + " signs in with OAuth2 from now on");
            return 0;
        }
    }

    /** What the flows show: the contract lines on stdout, flushed at once; the hints on stderr. */
    static final class Shown implements SignInListener {
        private final PrintStream out;
        private final PrintStream err;

        Shown(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void deviceCode(URI verificationUri, String userCode, URI verificationUriComplete, Duration expiresIn) {
            err.println("Open the URL on any device and enter the code" + (expiresIn == null ? ""
                    : " within " + Math.max(1, expiresIn.toMinutes()) + " min") + "; waiting for your approval…");
            line("verification_uri", verificationUri.toString());
            line("user_code", userCode);
            if (verificationUriComplete != null) {
                line("verification_uri_complete", verificationUriComplete.toString());
            }
        }

        @Override
        public void authorizationUrl(URI url) {
            err.println("Open the URL in a browser on this machine and sign in; waiting for the redirect…");
            line("authorization_url", url.toString());
        }

        private void line(String key, String value) {
            // a provider's text: escaped like every other value we print
            out.println(key + ": " + Printable.of(value));
            out.flush();
        }
    }
}
