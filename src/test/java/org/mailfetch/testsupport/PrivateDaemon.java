package org.mailfetch.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What {@link Dovecot}, {@link Spamd} and {@link Clamd} share: a foreground daemon process in its own temporary
 * directory, its output in a file, a free 127.0.0.1 port, a wait for readiness, and a stop that
 * also ends its children and removes the directory. A JVM that exits without close() stops it too.
 */
abstract class PrivateDaemon implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    protected final Path root;
    private final String name;
    private final Thread shutdownHook;
    private Process process;

    protected PrivateDaemon(String name) throws IOException {
        this(name, null);
    }

    /** As {@link #PrivateDaemon(String)}, with the directory created below {@code parent} (null: the temp dir). */
    protected PrivateDaemon(String name, Path parent) throws IOException {
        this.name = name;
        this.root = parent == null ? Files.createTempDirectory(name + "-")
                : Files.createTempDirectory(Files.createDirectories(parent), name + "-");
        this.shutdownHook = new Thread(this::stopProcess, name + "-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static void requireExecutable(Path binary, String packages) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: apt-get install " + packages
                    + " (see .ci/run), or pass -DskipITs");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(HOST, 0));
            return s.getLocalPort();
        }
    }

    protected Path outputFile() {
        return root.resolve(name + ".out");
    }

    protected void launch(List<String> command) throws IOException {
        launch(command, java.util.Map.of());
    }

    /** As {@link #launch(List)}, with {@code environment} added to this JVM's. */
    protected void launch(List<String> command, java.util.Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(outputFile().toFile());
        builder.environment().putAll(environment);
        process = builder.start();
    }

    /** Polls {@code ready} until it is true, the process dies, or the timeout passes. */
    protected void await(Duration timeout, java.util.function.BooleanSupplier ready) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw startFailure(name + " exited with code " + process.exitValue());
            }
            if (System.nanoTime() > deadline) {
                throw startFailure(name + " was not ready within " + timeout);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + name, e);
            }
        }
    }

    /** Sends {@code request} and returns what comes back until EOF or {@code terminator}; null if it cannot connect. */
    static String ask(int port, byte[] request, int terminator) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 500);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            StringBuilder out = new StringBuilder();
            int b;
            while ((b = socket.getInputStream().read()) >= 0 && b != terminator) {
                out.append((char) b);
            }
            return out.toString();
        } catch (IOException e) {
            return null;
        }
    }

    protected IOException startFailure(String reason) {
        return new IOException(reason + "\n--- " + name + " output ---\n" + read(outputFile()));
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "(none)\n";
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e + ")\n";
        }
    }

    /** Stops the daemon (it can be started again with {@link #restart()} where supported). */
    public synchronized void stopProcess() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
        process = null;
    }

    @Override
    public void close() throws IOException {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook stops the process itself
        }
        deleteTree(root);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
