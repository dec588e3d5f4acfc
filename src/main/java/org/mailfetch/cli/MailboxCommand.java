package org.mailfetch.cli;

import org.mailfetch.service.AdminInput;
import org.mailfetch.service.DirectoryService;
import org.mailfetch.service.DirectoryView;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "mailbox", description = "Local mailboxes (Maildir under <data-dir>/mailboxes/<domain>/<local-part>/).",
        subcommands = {MailboxCommand.Add.class, MailboxCommand.ListMailboxes.class, MailboxCommand.Remove.class})
final class MailboxCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add a mailbox in a local domain; prints its address.")
    static final class Add implements Runnable {
        @ParentCommand MailboxCommand parent;
        @Parameters(paramLabel = "ADDRESS", description = "The mailbox address, in a local domain") String address;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                System.out.println(new DirectoryService(s, AdminInput.names("address", "ADDRESS")).addMailbox(address));
            }
        }
    }

    @Command(name = "list", description = "List mailboxes.")
    static final class ListMailboxes implements Runnable {
        @ParentCommand MailboxCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(new DirectoryService(s).mailboxes(), json, a -> a, DirectoryView::mailbox);
            }
        }
    }

    @Command(name = "remove", description = "Remove a mailbox (its Maildir stays on disk).")
    static final class Remove implements Runnable {
        @ParentCommand MailboxCommand parent;
        @Parameters(paramLabel = "ADDRESS", description = "The mailbox address, in a local domain") String address;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                new DirectoryService(s).removeMailbox(address);
            }
        }
    }
}
