package org.mailfetch.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import org.mailfetch.service.AdminInput;
import org.mailfetch.service.AdminPassword;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "admin", description = "The web/REST administrator.", subcommands = AdminCommand.SetPassword.class)
final class AdminCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "set-password", description = "Set the password of the web/REST user admin (stored hashed).")
    static final class SetPassword implements Callable<Integer> {
        @ParentCommand AdminCommand parent;
        @Option(names = "--password-stdin", required = true, description = "Read the password from standard input")
        boolean passwordStdin;

        @Override
        public Integer call() throws Exception {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new IllegalArgumentException("--password-stdin: no password on standard input");
            }
            try (Services s = parent.cli.services()) {
                new AdminPassword(s.db()).set(AdminInput.text("the password on standard input", line));
            }
            return 0;
        }
    }
}
