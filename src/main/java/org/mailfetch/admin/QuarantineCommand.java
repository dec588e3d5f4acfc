package org.mailfetch.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.Services;
import org.mailfetch.delivery.FilePermissions;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.quarantine.QuarantineStore;
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

    QuarantineStore store(Services s) {
        return new QuarantineStore(s.db(), s.settings().dataDir(), FilePermissions.from(s.settings()));
    }

    @Command(name = "list", description = "One item per line: id, time, account, kind, reason, size, sender, subject.")
    static final class ListItems implements Runnable {
        @ParentCommand QuarantineCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(parent.store(s).list(), json, ListItems::line, ListItems::object);
            }
        }

        private static String line(QuarantineItem i) {
            return Output.fields(i.id(), i.quarantinedAt(), "account " + i.accountId(),
                    i.ownerAddress(), i.kind(), i.reason(), i.size() + " B", orNone(i.sender()), orNone(i.subject()));
        }

        /** An item as `quarantine list --json` and GET /api/quarantine show it. */
        static Map<String, ?> object(QuarantineItem i) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", i.id());
            m.put("accountId", i.accountId());
            m.put("uidl", i.uidl());
            m.put("owner", i.ownerAddress());
            m.put("kind", i.kind());
            m.put("reason", i.reason());
            m.put("sender", i.sender());
            m.put("subject", i.subject());
            m.put("size", i.size());
            m.put("quarantinedAt", i.quarantinedAt().toString());
            return m;
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
                parent.store(s).release(id);
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
                parent.store(s).delete(id);
                return 0;
            }
        }
    }
}
