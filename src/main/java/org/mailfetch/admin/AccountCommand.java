package org.mailfetch.admin;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.mailfetch.mail.Printable;
import org.mailfetch.FetchEngine;
import org.mailfetch.Services;
import org.mailfetch.account.Account;
import org.mailfetch.fetch.AccountStatus;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.recipient.MailAddress;
import org.mailfetch.store.NotFound;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Command(name = "account", description = "External accounts (POP3) to fetch from.",
        subcommands = {AccountCommand.Add.class, AccountCommand.ListAccounts.class, AccountCommand.Show.class,
                AccountCommand.Update.class, AccountCommand.Enable.class, AccountCommand.Disable.class,
                AccountCommand.Remove.class, AccountCommand.Fetch.class})
final class AccountCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AccountCommand.class);

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add an external account; prints its id.")
    static final class Add implements Callable<Integer> {
        @ParentCommand AccountCommand parent;
        @Mixin AccountOptions options;

        @Override
        public Integer call() throws Exception {
            Account account = options.toNewAccount();
            Long maxSize = options.hasMaxMessageSize() ? options.maxMessageSizeBytes() : null;
            String password = options.password();
            try (Services s = parent.cli.services()) {
                requireMailbox(s, account.ownerAddress());
                long id = s.accounts().add(account, password).id();
                if (maxSize != null) {
                    s.accounts().maxMessageSize(id, maxSize);
                }
                System.out.println(id);
            }
            return 0;
        }
    }

    @Command(name = "update", description = "Change options of an account; the UIDL ledger is kept unless host or user changes.")
    static final class Update implements Callable<Integer> {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;
        @Mixin AccountOptions options;

        @Override
        public Integer call() throws Exception {
            try (Services s = parent.cli.services()) {
                Account current = find(s, id);
                Account changed = options.applyTo(current, false);
                Long maxSize = options.hasMaxMessageSize() ? options.maxMessageSizeBytes() : null;
                requireMailbox(s, changed.ownerAddress());
                s.accounts().update(changed, options.password());
                if (options.hasMaxMessageSize()) {
                    s.accounts().maxMessageSize(id, maxSize);
                }
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List accounts: id, name, enabled, user@host:port, security, interval, delete, owner, last result.")
    static final class ListAccounts implements Runnable {
        @ParentCommand AccountCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(s.accounts().list(), json,
                        a -> Output.fields(a.id(), a.name(), a.enabled() ? "enabled" : "disabled",
                                a.userName() + "@" + a.host() + ":" + a.port(), a.security().cliName(),
                                a.intervalMinutes() + "min", "delete=" + a.deleteMode(), a.ownerAddress(),
                                String.valueOf(s.status().get(a.id()).lastResult())),
                        a -> describe(a, s.status().get(a.id())));
            }
        }
    }

    @Command(name = "show", description = "Show every option and the status of an account (never the password).")
    static final class Show implements Runnable {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Map<String, Object> d = describe(find(s, id), s.status().get(id));
                if (json) {
                    Output.print(d);
                } else {
                    d.forEach((k, v) -> Output.line(k + ": " + (v == null ? "" : v)));
                }
            }
        }
    }

    @Command(name = "enable", description = "Fetch the account on its schedule.")
    static final class Enable implements Runnable {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                s.accounts().setEnabled(id, true);
            }
        }
    }

    @Command(name = "disable", description = "Stop fetching the account on schedule (account fetch still works).")
    static final class Disable implements Runnable {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                s.accounts().setEnabled(id, false);
            }
        }
    }

    @Command(name = "remove", description = "Remove the account, its UIDL ledger and status.")
    static final class Remove implements Runnable {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                s.accounts().remove(id);
            }
        }
    }

    @Command(name = "fetch", description = "Download now: one session in this process, sharing the account's lease with the service.")
    static final class Fetch implements Callable<Integer> {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;

        @Override
        public Integer call() throws Exception {
            try (Services s = parent.cli.services()) {
                find(s, id);
                SessionSummary summary;
                try (FetchEngine engine = new FetchEngine(s, FetchEngine.Mode.SINGLE_SESSION, Clock.systemUTC())) {
                    engine.start();
                    engine.stopOnSignals();
                    summary = engine.fetchOnce(id);
                    // routed mail leaves without a running service (the cron-style use of fetchmail)
                    int tried = engine.outboxWorker().deliverDue(e -> e.accountId() == id);
                    if (tried > 0) {
                        LOG.info("account {}: {} outbox entries due, tried (see outbox list)", id, tried);
                    }
                }
                if (summary.result() == SessionSummary.Result.OK) {
                    Output.line(summary.line());
                    return 0;
                }
                System.err.println("mailfetch: " + Printable.of(summary.line()));
                return Cli.FAILED;
            }
        }
    }

    static Account find(Services s, long id) {
        return s.accounts().get(id).orElseThrow(() -> new NotFound("no account " + id));
    }

    static void requireMailbox(Services s, String owner) {
        if (!s.directory().isMailbox(MailAddress.parse(owner))) {
            throw new NotFound("no local mailbox " + owner + ": add it first (mailbox add)");
        }
    }

    /** Every option and the status, as `show` and `--json` print them; the password is never among them. */
    static Map<String, Object> describe(Account a, AccountStatus st) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", a.id());
        d.put("name", a.name());
        d.put("enabled", a.enabled());
        d.put("protocol", a.protocol());
        d.put("host", a.host());
        d.put("port", a.port());
        d.put("security", a.security().cliName());
        d.put("user", a.userName());
        d.put("trustedCertificate", a.trustCertPem() != null);
        d.put("intervalMinutes", a.intervalMinutes());
        d.put("mimeRecipients", a.mimeRecipients());
        d.put("recipientHeaders", String.join(",", a.recipientHeaders()));
        d.put("envelopeHeaders", String.join(",", a.envelopeHeaders()));
        d.put("routeRecipients", a.routeRecipients());
        d.put("receivedDate", a.receivedDate());
        d.put("antispam", a.antispam());
        d.put("antivirus", a.antivirus());
        d.put("delete", a.deleteMode().toString());
        d.put("owner", a.ownerAddress());
        d.put("running", st.running());
        d.put("lastStart", text(st.lastStart()));
        d.put("lastEnd", text(st.lastEnd()));
        d.put("lastResult", st.lastResult());
        d.put("lastError", st.lastError());
        d.put("downloaded", st.downloaded());
        d.put("delivered", st.delivered());
        d.put("deleted", st.deleted());
        d.put("failed", st.failed());
        d.put("bytes", st.bytes());
        d.put("totalDownloaded", st.totalDownloaded());
        d.put("totalBytes", st.totalBytes());
        d.put("loginFailures", st.loginFailures());
        d.put("backoffUntil", text(st.backoffUntil()));
        d.put("nextRun", text(st.nextRun()));
        return d;
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
