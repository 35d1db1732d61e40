package io.oncemq.broker.crash;

import io.oncemq.broker.Folders;
import io.oncemq.broker.FreePorts;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A broker node in its own JVM on a fixed port and data folder, so it can be killed with SIGKILL and
 * started again on the same journal. Its output goes to a file per start.
 */
final class BrokerProcess implements AutoCloseable {

    private static final String READY = "OnceMQ accepting MQTT connections";

    private final Path data;
    private final Path logs;
    private final int port;
    private final List<String> launcher = new ArrayList<>();
    private String host = "127.0.0.1";
    private final List<String> extraArgs = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Process process;
    private Path currentLog;
    private int starts;
    private boolean up;

    BrokerProcess(Path folder) throws IOException {
        this.data = folder.resolve("data");
        this.logs = folder.resolve("logs");
        Files.createDirectories(logs);
        this.port = FreePorts.next();
    }

    /** Command-line arguments for every start from now on (e.g. --node, --cluster-port, --members). */
    BrokerProcess withArgs(String... args) {
        extraArgs.addAll(List.of(args));
        return this;
    }

    /** JVM options for every start from now on (e.g. -Djdk.net.hosts.file=...). */
    BrokerProcess withJvmOptions(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** An environment variable for every start from now on (e.g. ONCEMQ_HTTP_PORT), on top of this JVM's environment. */
    BrokerProcess withEnv(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /**
     * Runs the node through this command prefix (e.g. {@code ip netns exec NS}, which execs the JVM: the pid killed
     * is still the JVM's) and tells clients to reach it at {@code host}.
     */
    BrokerProcess launchedBy(List<String> prefix, String host) {
        launcher.addAll(prefix);
        this.host = host;
        return this;
    }

    int port() {
        return port;
    }

    /** The address clients connect to. */
    String host() {
        return host;
    }

    /** The process id of the running node, to send it a signal. */
    long pid() {
        return process.pid();
    }

    /** Starts the node and waits until it accepts connections. */
    void start() throws IOException, InterruptedException {
        start(List.of());
    }

    /** Starts the node with these JVM options for this start only (e.g. -Doncemq.fault=STEP), and waits until it accepts connections. */
    void start(List<String> thisStartOnly) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle.")) {
                cmd.add(arg);
            }
        }
        String trace = System.getProperty("oncemq.trace.level");
        if (trace != null) {
            cmd.add("-Doncemq.trace.level=" + trace); // MessageTrace in the node's log
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(thisStartOnly);
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.oncemq.broker.Main",
                "--port", String.valueOf(port), "--data", data.toString()));
        cmd.addAll(extraArgs);
        currentLog = logs.resolve("node-" + (++starts) + ".log");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(currentLog.toFile());
        builder.environment().putAll(environment);
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(currentLog).contains(READY)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker exited at start:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("broker not accepting within 60 s:\n" + tail());
            }
            process.waitFor(20, TimeUnit.MILLISECONDS); // wakes early if the process dies
        }
        synchronized (this) {
            up = true;
            notifyAll();
        }
    }

    /** The node's disk is lost for good: its whole data folder (journal, incarnation) is deleted. Only while it is down. */
    void loseDisk() throws IOException {
        if (running()) {
            throw new IllegalStateException("the node still runs on " + data);
        }
        if (Files.exists(data)) {
            Folders.delete(data);
        }
    }

    /** The random name the node gave its data folder when it first used it (see Incarnation), or null if it has none. */
    String incarnation() throws IOException {
        Path file = data.resolve("incarnation");
        return Files.exists(file) ? Files.readString(file).trim() : null;
    }

    /** SIGKILL: no shutdown hook, no flush; the journal is whatever the page cache holds. */
    void kill() throws InterruptedException {
        synchronized (this) {
            up = false;
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not die");
        }
    }

    /** SIGTERM: the node stops gracefully (Node.stop); clients count it down at once. Then {@link #awaitExit}. */
    void terminate() throws IOException, InterruptedException {
        synchronized (this) {
            up = false;
        }
        signal("TERM");
    }

    /** SIGSTOP: the JVM stops at once with its sockets open; the other nodes hear nothing from it. */
    void pause() throws IOException, InterruptedException {
        synchronized (this) {
            up = false;
        }
        signal("STOP");
    }

    /** SIGQUIT: a running node JVM writes its threads' stacks to its log, for the failure of a test that waited on it. */
    void dumpThreads() {
        try {
            if (process != null && process.isAlive()) {
                signal("QUIT");
            }
        } catch (IOException | InterruptedException | IllegalStateException e) {
            // only for diagnosis: the test fails anyway
        }
    }

    /** SIGCONT: the JVM runs on where it stopped. Clients count it up again only after {@link #carriesOn}. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** A resumed node that was not fenced: clients may connect to it again. */
    synchronized void carriesOn() {
        up = true;
        notifyAll();
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Waits for the node JVM to exit; its exit code, or null if it still runs after the timeout. */
    Integer awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return null;
        }
        synchronized (this) {
            up = false;
        }
        return process.exitValue();
    }

    /** Waits until a line of the current start contains {@code text}, or the timeout passes; returns whether one did. */
    boolean awaitLog(String text, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!Files.readString(currentLog).contains(text)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            process.waitFor(50, TimeUnit.MILLISECONDS); // wakes early if the process dies
        }
        return true;
    }

    /** Waits until a line of the current start matches the regex, or the timeout passes; returns whether one did. */
    boolean awaitLogMatching(String regex, long timeoutMillis) throws IOException, InterruptedException {
        return awaitLogMatching(regex, 1, timeoutMillis);
    }

    /** Waits until the regex matches {@code count} times in the current start's log, or the timeout passes; returns whether it did. */
    boolean awaitLogMatching(String regex, int count, long timeoutMillis) throws IOException, InterruptedException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (p.matcher(Files.readString(currentLog)).results().limit(count).count() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            process.waitFor(50, TimeUnit.MILLISECONDS); // wakes early if the process dies
        }
        return true;
    }

    /** Whether the node's JVM runs (it may have halted itself at a fault point). */
    boolean running() {
        return process != null && process.isAlive();
    }

    /** Whether clients may connect to it now (started, not killed, paused or fenced). */
    synchronized boolean isUp() {
        return up;
    }

    /** Waits until the node accepts connections, or the timeout passes; returns whether it is up. */
    synchronized boolean awaitUp(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!up) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** The last lines the current node wrote, for a failure message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(currentLog);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Every log line of every start matching the pattern, for a failure message. */
    List<String> logLinesMatching(String regex) throws IOException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= starts; i++) {
            for (String line : Files.readAllLines(logs.resolve("node-" + i + ".log"))) {
                if (p.matcher(line).find()) {
                    out.add("[start " + i + "] " + line);
                }
            }
        }
        return out;
    }

    /** Every start's log lines matching the pattern, node by node (n1, n2, ...), for a failure message. */
    static String logLinesMatching(List<BrokerProcess> nodes, String regex) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            b.append("--- n").append(i + 1).append(":\n");
            try {
                for (String line : nodes.get(i).logLinesMatching(regex)) {
                    b.append(line).append('\n');
                }
            } catch (IOException e) {
                b.append(e).append('\n');
            }
        }
        return b.toString();
    }

    /** Every log line of every start containing the text. */
    List<String> logLines(String text) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= starts; i++) {
            for (String line : Files.readAllLines(logs.resolve("node-" + i + ".log"))) {
                if (line.contains(text)) {
                    out.add(line);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
