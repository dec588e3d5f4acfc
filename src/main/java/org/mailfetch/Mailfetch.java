package org.mailfetch;

import org.mailfetch.cli.Cli;

/** Entry point of target/mailfetch.jar. */
public final class Mailfetch {

    private Mailfetch() {}

    public static void main(String[] args) {
        System.exit(Cli.execute(args));
    }
}
