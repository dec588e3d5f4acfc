package org.mailfetch.cli;

import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.service.QuarantineService;
import org.mailfetch.service.QuarantineView;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "quarantine", description = "Mail held back by the content filters (spam above the delete score,"
        + " viruses, unscanned mail by policy), kept under <data-dir>/quarantine/.",
        subcommands = {QuarantineCommand.ListItems.class, QuarantineCommand.Release.class, QuarantineCommand.Delete.class})
final class QuarantineCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "list", description = "One item per line: id, time, account, kind, reason, size, sender, subject.")
    static final class ListItems implements Runnable {
        @ParentCommand QuarantineCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(new QuarantineService(s).list(), json, ListItems::line, QuarantineView::of);
            }
        }

        private static String line(QuarantineItem i) {
            return Output.fields(i.id(), i.quarantinedAt(), "account " + i.accountId(),
                    i.ownerAddress(), i.kind(), i.reason(), i.size() + " B", orNone(i.sender()), orNone(i.subject()));
        }


        private static String orNone(String s) {
            return s == null ? "-" : s.replace('\t', ' ');
        }
    }

    @Command(name = "release", description = "Deliver the message to its owner's inbox (durably), then remove it from quarantine.")
    static final class Release implements java.util.concurrent.Callable<Integer> {
        @ParentCommand QuarantineCommand parent;
        @Parameters(paramLabel = "ID", description = "The quarantine item id (quarantine list shows it)") long id;

        @Override
        public Integer call() throws Exception {
            try (Services s = parent.cli.services()) {
                new QuarantineService(s).release(id);
                return 0;
            }
        }
    }

    @Command(name = "delete", description = "Remove the message from quarantine for good.")
    static final class Delete implements java.util.concurrent.Callable<Integer> {
        @ParentCommand QuarantineCommand parent;
        @Parameters(paramLabel = "ID", description = "The quarantine item id (quarantine list shows it)") long id;

        @Override
        public Integer call() throws Exception {
            try (Services s = parent.cli.services()) {
                new QuarantineService(s).delete(id);
                return 0;
            }
        }
    }
}
