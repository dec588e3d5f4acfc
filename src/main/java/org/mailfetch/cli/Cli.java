package org.mailfetch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

import org.mailfetch.config.Settings;
import org.mailfetch.service.AdminInput;
import org.mailfetch.service.Services;
import org.mailfetch.store.Problem;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** {@code java -jar mailfetch.jar [--data-dir DIR] [--config FILE] COMMAND}; without a command, {@code run}. */
// INHERIT: --help and --version work on every command and subcommand (mailfetch account add --help)
@Command(name = "mailfetch", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        version = "mailfetch 0.1.0",
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
        cl.setExecutionExceptionHandler(Cli::exitCode);
        cl.setExecutionStrategy(parsed -> {
            refuseControlCharacters(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl.execute(args);
    }

    /**
     * What a command threw, as {@link Problem} maps it: bad input exits 2 with the usage, anything else
     * 1 with the reason on stderr (not found, conflict, the database failing, a refused data dir, ...);
     * a failure without a stated reason (a bug) also logs its stack trace.
     */
    private static int exitCode(Exception e, CommandLine line, ParseResult parsed) {
        Problem problem = Problem.of(e);
        PrintWriter err = line.getErr();
        err.println("mailfetch: " + problem.message());
        if (problem.kind() == Problem.Kind.INVALID) {
            line.usage(err);
        } else if (problem.isUnexpected()) {
            LoggerFactory.getLogger(Cli.class).error("{} failed", line.getCommandName(), e);
        }
        err.flush();
        return problem.exitCode();
    }

    /**
     * No option value or argument of any command may hold a control character: they reach POP3,
     * SMTP and LMTP command lines and log lines. Checked here, before any command runs, so every
     * option present and future is covered; the refusal names the option (exit 2 with usage).
     */
    private static void refuseControlCharacters(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            for (OptionSpec o : p.matchedOptions()) {
                check(p, o.longestName(), o.originalStringValues());
            }
            for (PositionalParamSpec a : p.matchedPositionals()) {
                check(p, a.paramLabel(), a.originalStringValues());
            }
        }
    }

    private static void check(ParseResult p, String name, List<String> values) {
        for (String v : values) {
            try {
                AdminInput.text(name, v);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(p.commandSpec().commandLine(), e.getMessage(), e, null, v);
            }
        }
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
