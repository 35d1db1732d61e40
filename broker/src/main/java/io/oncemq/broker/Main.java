package io.oncemq.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Command-line entry point: {@code java -jar oncemq.jar [--config FILE] [--port N] [--data DIR]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Config config;
        try {
            config = CommandLine.parse(args);
        } catch (ConfigException e) {
            System.err.println("oncemq: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        Node node = new Node(config);
        // SIGTERM / Ctrl-C: close listeners, flush and close the journal
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
    }
}
