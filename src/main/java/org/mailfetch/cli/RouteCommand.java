package org.mailfetch.cli;

import org.mailfetch.service.AdminInput;
import org.mailfetch.service.RouteService;
import org.mailfetch.service.RouteView;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "route", description = "Routes: domains whose mail is relayed by SMTP (with the account's --route-recipients).",
        subcommands = {RouteCommand.Add.class, RouteCommand.ListRoutes.class, RouteCommand.Remove.class})
final class RouteCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add a route; prints its domain.")
    static final class Add implements Runnable {
        @ParentCommand RouteCommand parent;
        @Parameters(paramLabel = "DOMAIN", description = "The routed domain") String domain;
        @Option(names = "--host", required = true, paramLabel = "H", description = "The SMTP server mail for the domain goes to") String host;
        @Option(names = "--port", required = true, paramLabel = "P", description = "Its port (25, 587, or 465 with --tls)") int port;
        @Option(names = "--tls", description = "TLS from the start (SMTPS), certificate verified") boolean tls;
        @Option(names = "--user", paramLabel = "U", description = "User name for SMTP AUTH (with --password-env; STARTTLS is then required)") String user;
        @Option(names = "--password-env", paramLabel = "VAR", description = "SMTP AUTH password from this environment variable")
        String passwordEnv;
        @Option(names = "--oauth2-account", paramLabel = "ID", description = "Instead of a password: SMTP AUTH XOAUTH2 with"
                + " the access token of this OAuth2 account (e.g. smtp.gmail.com or smtp.office365.com as that account's user)")
        Long oauth2Account;

        @Override
        public void run() {
            String password = null;
            if (passwordEnv != null) {
                if (user == null) {
                    throw new IllegalArgumentException("--password-env needs --user");
                }
                password = System.getenv(passwordEnv);
                if (password == null || password.isEmpty()) {
                    throw new IllegalArgumentException("environment variable " + passwordEnv + " is not set");
                }
                AdminInput.text("the password in " + passwordEnv, password);
                if (oauth2Account != null) {
                    throw new IllegalArgumentException("--password-env and --oauth2-account exclude each other");
                }
            } else if (oauth2Account != null) {
                if (user == null) {
                    throw new IllegalArgumentException("--oauth2-account needs --user");
                }
            } else if (user != null) {
                throw new IllegalArgumentException("--user needs --password-env VAR or --oauth2-account ID");
            }
            try (Services s = parent.cli.services()) {
                System.out.println(new RouteService(s, AdminInput.names("domain", "DOMAIN", "host", "--host",
                        "password", "--password-env VAR", "oauth2Account", "--oauth2-account"))
                        .add(domain, host, port, tls, user, password, oauth2Account).domain());
            }
        }
    }

    @Command(name = "list", description = "List routes: domain, then target and user (never the password).")
    static final class ListRoutes implements Runnable {
        @ParentCommand RouteCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                RouteService routes = new RouteService(s);
                Output.list(routes.list(), json,
                        r -> r.domain() + "\t" + r.target() + (r.user() == null ? "" : "\tuser=" + r.user()),
                        routes::view);
            }
        }
    }

    @Command(name = "remove", description = "Remove a route.")
    static final class Remove implements Runnable {
        @ParentCommand RouteCommand parent;
        @Parameters(paramLabel = "DOMAIN", description = "The routed domain") String domain;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                new RouteService(s).remove(domain);
            }
        }
    }
}
