package org.mailfetch.cli;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;

import org.mailfetch.account.ImapOptions;
import org.mailfetch.engine.FetchEngine;
import org.mailfetch.fetch.SessionSummary;
import org.mailfetch.mail.Printable;
import org.mailfetch.service.AccountChange;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "account", description = "External accounts (POP3 or IMAP) to fetch from.",
        subcommands = {AccountCommand.Add.class, AccountCommand.ListAccounts.class, AccountCommand.Show.class,
                AccountCommand.Update.class, AccountCommand.Enable.class, AccountCommand.Disable.class,
                AccountCommand.Remove.class, AccountCommand.Fetch.class, AuthorizeCommand.class})
final class AccountCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AccountCommand.class);

    @ParentCommand
    Cli cli;

    Services services() {
        return cli.services();
    }

    @Command(name = "add", description = "Add an external account; prints its id.")
    static final class Add implements Callable<Integer> {
        @ParentCommand AccountCommand parent;
        @Mixin AccountOptions options;

        @Override
        public Integer call() throws Exception {
            AccountChange change = options.toChange();
            try (Services s = parent.cli.services()) {
                System.out.println(new AccountService(s).add(change).id());
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
            AccountChange change = options.toChange();
            try (Services s = parent.cli.services()) {
                new AccountService(s).update(id, change);
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List accounts: id, name, enabled, protocol, user@host:port, security, interval,"
            + " delete, owner, last result; IMAP accounts then their folders and options.")
    static final class ListAccounts implements Runnable {
        @ParentCommand AccountCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                AccountService accounts = new AccountService(s);
                Output.list(accounts.list(), json,
                        a -> Output.fields(a.id(), a.name(), a.enabled() ? "enabled" : "disabled", a.protocol(),
                                a.userName() + "@" + a.host() + ":" + a.port(), a.security().cliName(),
                                a.intervalMinutes() + "min", "delete=" + a.deleteMode(), a.ownerAddress(),
                                String.valueOf(accounts.lastResult(a.id())))
                                + (AccountChange.IMAP.equals(a.protocol()) ? "\t" + imapFields(accounts.imapOptions(a)) : "")
                                + oauth2Field(accounts.view(a)),
                        accounts::view);
            }
        }
    }

    /**
     * An OAuth2 account's sign-in in one last field: {@code oauth2=gmail state=authorized}; nothing for
     * a password account, so its line stays as it was. From the view: never a token or secret.
     */
    static String oauth2Field(Map<String, Object> view) {
        if (!"oauth2".equals(view.get("auth")) || !(view.get("oauth2") instanceof Map<?, ?> o)) {
            return "";
        }
        return "\toauth2=" + o.get("provider") + (o.get("state") == null ? "" : " state=" + o.get("state"));
    }

    /** An IMAP account's options in one field: folders=INBOX,Sent move-to=Archive mark-seen idle. */
    private static String imapFields(ImapOptions o) {
        return "folders=" + String.join(",", o.folders()) + (o.moveTo() == null ? "" : " move-to=" + o.moveTo())
                + (o.markSeen() ? " mark-seen" : "") + (o.idle() ? " idle" : "");
    }

    @Command(name = "show", description = "Show every option and the status of an account (never the password).")
    static final class Show implements Runnable {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                AccountService accounts = new AccountService(s);
                Map<String, Object> d = accounts.view(accounts.get(id));
                if (json) {
                    Output.print(d);
                } else {
                    showLines("", d);
                }
            }
        }
    }

    /** key: value per line; a nested object (oauth2) as oauth2.provider: …, a list comma-separated. */
    private static void showLines(String prefix, Map<?, ?> d) {
        d.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m) {
                showLines(prefix + k + ".", m);
            } else {
                Output.line(prefix + k + ": " + (v == null ? ""
                        : v instanceof java.util.List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : v));
            }
        });
    }

    @Command(name = "enable", description = "Fetch the account on its schedule.")
    static final class Enable implements Runnable {
        @ParentCommand AccountCommand parent;
        @Parameters(paramLabel = "ID", description = "The account id (account list shows it)") long id;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                new AccountService(s).setEnabled(id, true);
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
                new AccountService(s).setEnabled(id, false);
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
                new AccountService(s).remove(id);
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
                new AccountService(s).get(id);
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
}
