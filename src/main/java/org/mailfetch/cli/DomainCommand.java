package org.mailfetch.cli;

import java.util.Optional;

import org.mailfetch.recipient.LocalDomain;
import org.mailfetch.service.AdminInput;
import org.mailfetch.service.DirectoryService;
import org.mailfetch.service.DirectoryView;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "domain", description = "Local domains.", subcommands = {DomainCommand.Add.class,
        DomainCommand.Update.class, DomainCommand.ListDomains.class, DomainCommand.Remove.class})
final class DomainCommand {

    @ParentCommand
    Cli cli;

    @Command(name = "add", description = "Add a local domain; prints its name.")
    static final class Add implements Runnable {
        @ParentCommand DomainCommand parent;
        @Parameters(paramLabel = "NAME", description = "The domain name (IDN allowed; stored lower-case, in punycode)") String name;
        @Option(names = "--catch-all", paramLabel = "ADDRESS", description = "Gets mail for unknown addresses of the domain")
        String catchAll;
        @Option(names = "--lmtp", paramLabel = "HOST:PORT|unix:PATH", description = "Deliver by LMTP instead of Maildir")
        String lmtp;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                System.out.println(directory(s).addDomain(name, catchAll, lmtp).name());
            }
        }
    }

    @Command(name = "update", description = "Change a domain's catch-all address or LMTP target.")
    static final class Update implements Runnable {
        @ParentCommand DomainCommand parent;
        @Parameters(paramLabel = "NAME", description = "The domain name (IDN allowed; stored lower-case, in punycode)") String name;
        @Option(names = "--catch-all", paramLabel = "ADDRESS", description = "Mailbox that gets mail for unknown addresses of the domain") String catchAll;
        @Option(names = "--no-catch-all", description = "Remove the catch-all address") boolean noCatchAll;
        @Option(names = "--lmtp", paramLabel = "HOST:PORT|unix:PATH", description = "Deliver the domain's mailboxes by LMTP to this mail store instead of Maildir") String lmtp;
        @Option(names = "--no-lmtp", description = "Back to Maildir under the data dir") boolean noLmtp;

        @Override
        public void run() {
            if ((catchAll != null && noCatchAll) || (lmtp != null && noLmtp)) {
                throw new IllegalArgumentException("give an option or its --no- form, not both");
            }
            // the empty text removes the option
            Optional<String> c = noCatchAll ? Optional.of("") : Optional.ofNullable(catchAll);
            Optional<String> l = noLmtp ? Optional.of("") : Optional.ofNullable(lmtp);
            try (Services s = parent.cli.services()) {
                directory(s).updateDomain(name, c, l);
            }
        }
    }

    @Command(name = "list", description = "List local domains.")
    static final class ListDomains implements Runnable {
        @ParentCommand DomainCommand parent;
        @Option(names = "--json", description = "Print JSON instead of one line per item") boolean json;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                Output.list(directory(s).domains(), json, DomainCommand::line, DirectoryView::domain);
            }
        }
    }

    @Command(name = "remove", description = "Remove a local domain without mailboxes.")
    static final class Remove implements Runnable {
        @ParentCommand DomainCommand parent;
        @Parameters(paramLabel = "NAME", description = "The domain name (IDN allowed; stored lower-case, in punycode)") String name;

        @Override
        public void run() {
            try (Services s = parent.cli.services()) {
                directory(s).removeDomain(name);
            }
        }
    }

    private static DirectoryService directory(Services s) {
        return new DirectoryService(s, AdminInput.names("name", "NAME", "catchAll", "--catch-all", "lmtp", "--lmtp"));
    }

    private static String line(LocalDomain d) {
        return d.name() + (d.catchAll() == null ? "" : "\tcatch-all=" + d.catchAll())
                + (d.lmtp() == null ? "" : "\tlmtp=" + d.lmtp());
    }
}
