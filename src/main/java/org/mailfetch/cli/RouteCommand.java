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
            } else if (user != null) {
                throw new IllegalArgumentException("--user needs --password-env VAR");
            }
            try (Services s = parent.cli.services()) {
                System.out.println(new RouteService(s, AdminInput.names("domain", "DOMAIN", "host", "--host",
                        "password", "--password-env VAR")).add(domain, host, port, tls, user, password).domain());
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
                Output.list(new RouteService(s).list(), json,
                        r -> r.domain() + "\t" + r.target() + (r.user() == null ? "" : "\tuser=" + r.user()),
                        RouteView::of);
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
