package org.mailfetch.cli;

import java.util.List;

import org.mailfetch.service.AdminInput;
import org.mailfetch.service.DirectoryService;
import org.mailfetch.service.DirectoryView;
import org.mailfetch.service.Services;
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
            try (Services s = parent.cli.services()) {
                System.out.println(new DirectoryService(s, AdminInput.names("address", "LIST", "members", "MEMBER"))
                        .addList(list, members).address());
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
                Output.list(new DirectoryService(s).lists(), json, AliasCommand::line, DirectoryView::list);
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
                new DirectoryService(s).removeList(list);
            }
        }
    }
}
