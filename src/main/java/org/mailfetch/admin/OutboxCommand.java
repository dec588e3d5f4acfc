package org.mailfetch.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.Services;
import org.mailfetch.delivery.OutboxEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "outbox", description = "Routed mail waiting for (or given up on by) its SMTP target.",
        subcommands = {OutboxCommand.ListOutbox.class, OutboxCommand.Retry.class})
final class OutboxCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "list", description = "List outbox entries: id, state, route, recipients, attempts, next try, last error.")
    static final class ListOutbox implements Runnable {
        @ParentCommand OutboxCommand parent;
        @Option(names = "--json") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(s.outbox().list(), json, e -> e.id() + "\t" + e.state().name().toLowerCase() + "\t"
                        + e.routeDomain() + "\t" + String.join(",", e.recipients()) + "\tattempts=" + e.attempts()
                        + (e.state() == OutboxEntry.State.WAITING ? "\tnext=" + e.nextAttemptAt() : "")
                        + (e.lastError() == null ? "" : "\t" + e.lastError()), OutboxCommand::json);
            }
        }
    }

    @Command(name = "retry", description = "Try a waiting or failed entry again at the service's next outbox run.")
    static final class Retry implements Runnable {
        @ParentCommand OutboxCommand parent;
        @Parameters(paramLabel = "ID") long id;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                s.outbox().retry(id);
            }
        }
    }

    /** An entry as `outbox list --json` and GET /api/outbox show it. */
    static Map<String, ?> json(OutboxEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("state", e.state().name().toLowerCase());
        m.put("accountId", e.accountId());
        m.put("uidl", e.uidl());
        m.put("route", e.routeDomain());
        m.put("envelopeFrom", e.envelopeFrom());
        m.put("recipients", e.recipients());
        m.put("size", e.size());
        m.put("attempts", e.attempts());
        m.put("createdAt", e.createdAt().toString());
        m.put("nextAttemptAt", e.nextAttemptAt().toString());
        m.put("lastError", e.lastError());
        return m;
    }
}
