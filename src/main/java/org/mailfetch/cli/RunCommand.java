package org.mailfetch.cli;

import java.time.Clock;
import java.util.concurrent.Callable;

import org.mailfetch.engine.FetchEngine;
import org.mailfetch.service.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Start the service: fetch every enabled account on its schedule.")
final class RunCommand implements Callable<Integer> {

    @ParentCommand
    private Cli cli;

    RunCommand() {}

    RunCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        try (Services services = cli.services();
             FetchEngine engine = new FetchEngine(services, FetchEngine.Mode.SERVICE, Clock.systemUTC())) {
            engine.stopOnSignals();
            // one line that ties this node's log to its name (the status and the metrics carry it too)
            org.slf4j.LoggerFactory.getLogger(RunCommand.class).info("node {} (pid {}): service starting; Maildir root {},"
                    + " spool root {}", services.node().name(), services.node().process(),
                    services.settings().maildirRoot(), services.settings().spoolRoot());
            engine.runUntilStopped();
        }
        return 0;
    }
}
