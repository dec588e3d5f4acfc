package org.mailfetch.admin;

import java.util.List;
import java.util.Map;

import org.mailfetch.Services;
import org.mailfetch.recipient.LocalDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = "Distribution lists: an address in a local domain that delivers to each member.",
        subcommands = {ListCommand.Add.class, ListCommand.ListLists.class, ListCommand.Remove.class})
final class ListCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add a distribution list; prints its address.")
    static final class Add implements Runnable {
        @ParentCommand ListCommand parent;
        @Parameters(index = "0", paramLabel = "LIST", description = "The list address, in a local domain") String list;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "MEMBER", description = "Member addresses (mailboxes, aliases, lists)") List<String> members;

        @Override
        public void run() {
            AdminInput.address("LIST", list);
            members.forEach(m -> AdminInput.address("MEMBER", m));
            try (Services s = parent.cli.services()) {
                System.out.println(s.directory().addList(list, members));
            }
        }
    }

    @Command(name = "list", description = "List distribution lists: address, then members.")
    static final class ListLists implements Runnable {
        @ParentCommand ListCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(s.directory().lists(), json, AliasCommand::line, ListCommand::json);
            }
        }
    }

    @Command(name = "remove", description = "Remove a distribution list.")
    static final class Remove implements Runnable {
        @ParentCommand ListCommand parent;
        @Parameters(paramLabel = "LIST", description = "The list address") String list;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                s.directory().removeList(list);
            }
        }
    }

    /** A list as `list list --json` and GET /api/lists show it. */
    static Map<String, ?> json(LocalDirectory.Expansion e) {
        return Map.of("address", e.address(), "members", e.targets());
    }
}
