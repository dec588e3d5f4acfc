package org.mailfetch.admin;

import java.util.Map;

import org.mailfetch.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "domain", description = "Local domains.", subcommands = {DomainCommand.Add.class,
        DomainCommand.ListDomains.class, DomainCommand.Remove.class})
final class DomainCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add a local domain; prints its name.")
    static final class Add implements Runnable {
        @ParentCommand DomainCommand parent;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                System.out.println(s.directory().addDomain(name));
            }
        }
    }

    @Command(name = "list", description = "List local domains.")
    static final class ListDomains implements Runnable {
        @ParentCommand DomainCommand parent;
        @Option(names = "--json") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(s.directory().domains(), json, d -> d, d -> Map.of("name", d));
            }
        }
    }

    @Command(name = "remove", description = "Remove a local domain without mailboxes.")
    static final class Remove implements Runnable {
        @ParentCommand DomainCommand parent;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                s.directory().removeDomain(name);
            }
        }
    }
}
