package org.mailfetch.admin;

import java.io.PrintWriter;
import java.nio.file.Path;

import org.mailfetch.Services;
import org.mailfetch.config.Settings;
import org.mailfetch.store.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar mailfetch.jar [--data-dir DIR] [--config FILE] COMMAND}; without a command, {@code run}. */
@Command(name = "mailfetch", mixinStandardHelpOptions = true, version = "mailfetch 0.1.0",
        description = "Fetches mail from external POP3 accounts into local Maildir mailboxes.",
        subcommands = {RunCommand.class, DemoCommand.class, DomainCommand.class, MailboxCommand.class,
                AccountCommand.class, AliasCommand.class, ListCommand.class, RouteCommand.class,
                OutboxCommand.class, QuarantineCommand.class, AdminCommand.class})
public final class Cli implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default: mailfetch.data-dir, ./data)")
    Path dataDir;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties loaded over application.properties")
    Path config;

    /** Exit code for a session or command that failed at run time (bad input exits 2). */
    public static final int FAILED = 1;

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof IllegalArgumentException) {
                err.println("mailfetch: " + e.getMessage());
                line.usage(err);
                return CommandLine.ExitCode.USAGE;
            }
            if (e instanceof StoreException || e instanceof IllegalStateException) {
                err.println("mailfetch: " + e.getMessage());
                return FAILED;
            }
            throw e;
        });
        return cl.execute(args);
    }

    Settings settings() {
        return Settings.load(config, dataDir);
    }

    Services services() {
        return new Services(settings());
    }

    @Override
    public Integer call() throws Exception {
        return new RunCommand(this).call();
    }
}
