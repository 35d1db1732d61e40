package io.oncemq.broker;

import io.oncemq.broker.auth.Passwd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.Arrays;

/**
 * Command-line entry point: {@code java -jar oncemq.jar [--config FILE] [--port N] [--data DIR] ...} runs a node;
 * {@code java -jar oncemq.jar passwd ...} edits a password file.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("passwd")) {
            System.exit(Passwd.run(Arrays.asList(args).subList(1, args.length), System.in, System.out, System.err));
            return;
        }
        Config config;
        try {
            config = CommandLine.parse(System.getenv(), args);
        } catch (ConfigException e) {
            System.err.println("oncemq: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        Node node = new Node(config);
        // any other exit (System.exit after a failed start): the same stop; it waits for one already under way
        Runtime.getRuntime().addShutdownHook(new Thread(node::stop, "oncemq-shutdown"));
        try {
            node.start();
        } catch (ConfigException e) {
            System.err.println("oncemq: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            log.error("start-up failed: {}", e.getMessage(), e);
            System.exit(1);
        }
        for (String name : new String[]{"TERM", "INT"}) {
            try {
                // handled, not left to the JVM, so a stop that ran in order exits with 0 instead of 143 (README, Graceful stop)
                Signal.handle(new Signal(name), s -> {
                    node.stop();
                    System.exit(0);
                });
            } catch (IllegalArgumentException e) {
                log.warn("SIG{} cannot be caught in this JVM ({}): the shutdown hook stops the node", name, e.getMessage());
            }
        }
        try {
            // SIGHUP re-reads the password and ACL files, as Mosquitto does; connections stay open
            Signal.handle(new Signal("HUP"), s -> node.access().reload());
        } catch (IllegalArgumentException e) {
            log.warn("SIGHUP cannot be caught in this JVM ({}): password-file and acl-file are read at start only", e.getMessage());
        }
    }
}
