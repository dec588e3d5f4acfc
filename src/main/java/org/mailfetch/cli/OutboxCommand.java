package org.mailfetch.cli;

import org.mailfetch.delivery.OutboxEntry;
import org.mailfetch.service.OutboxService;
import org.mailfetch.service.OutboxView;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "outbox", description = "Routed mail waiting for (or given up on by) its SMTP target.",
        subcommands = {OutboxCommand.ListOutbox.class, OutboxCommand.Retry.class, OutboxCommand.Send.class})
final class OutboxCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "list", description = "List outbox entries: id, state, route, recipients, attempts, next try, last error.")
    static final class ListOutbox implements Runnable {
        @ParentCommand OutboxCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(new OutboxService(s).list(), json, e -> Output.fields(e.id(), e.state().name().toLowerCase(),
                        e.routeDomain(), String.join(",", e.recipients()), "attempts=" + e.attempts())
                        + (e.state() == OutboxEntry.State.WAITING ? "\tnext=" + e.nextAttemptAt() : "")
                        + (e.lastError() == null ? "" : "\t" + Output.fields(e.lastError())), OutboxView::of);
            }
        }
    }

    @Command(name = "send", description = "Send the entries that are due now, in this process (no service needed);"
            + " prints how many were tried and what is left.")
    static final class Send implements Runnable {
        @ParentCommand OutboxCommand parent;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.line(new OutboxService(s).sendDue().line());
            }
        }
    }

    @Command(name = "retry", description = "Make a waiting or failed entry due now: the service's next outbox run,"
            + " or outbox send, tries it.")
    static final class Retry implements Runnable {
        @ParentCommand OutboxCommand parent;
        @Parameters(paramLabel = "ID", description = "The outbox entry id (outbox list shows it)") long id;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                new OutboxService(s).retry(id);
            }
        }
    }
}
