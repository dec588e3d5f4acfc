package org.mailfetch.cli;

import java.util.List;

import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.service.AdminInput;
import org.mailfetch.service.DirectoryService;
import org.mailfetch.service.DirectoryView;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "alias", description = "Aliases: an address in a local domain that stands for one or more others.",
        subcommands = {AliasCommand.Add.class, AliasCommand.ListAliases.class, AliasCommand.Remove.class})
final class AliasCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add an alias; prints its address.")
    static final class Add implements Runnable {
        @ParentCommand AliasCommand parent;
        @Parameters(index = "0", paramLabel = "ALIAS", description = "The alias address, in a local domain") String alias;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET", description = "Addresses it stands for (mailboxes, aliases, lists)") List<String> targets;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                System.out.println(new DirectoryService(s, AdminInput.names("address", "ALIAS", "targets", "TARGET"))
                        .addAlias(alias, targets).address());
            }
        }
    }

    @Command(name = "list", description = "List aliases: address, then targets.")
    static final class ListAliases implements Runnable {
        @ParentCommand AliasCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(new DirectoryService(s).aliases(), json, AliasCommand::line, DirectoryView::alias);
            }
        }
    }

    @Command(name = "remove", description = "Remove an alias.")
    static final class Remove implements Runnable {
        @ParentCommand AliasCommand parent;
        @Parameters(paramLabel = "ALIAS", description = "The alias address") String alias;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                new DirectoryService(s).removeAlias(alias);
            }
        }
    }


    static String line(LocalDirectory.Expansion e) {
        return e.address() + "\t" + String.join(" ", e.targets());
    }
}
