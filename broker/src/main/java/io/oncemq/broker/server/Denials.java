package io.oncemq.broker.server;

import io.oncemq.broker.auth.AccessCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts one connection's SUBSCRIBEs and PUBLISHes the ACL denies; logs the first of each kind only, so a loop cannot flood the log. */
final class Denials {

    private static final Logger log = LoggerFactory.getLogger(Denials.class);

    private final AccessCounters counters;
    private final Connection connection;
    private boolean subscribeLogged;
    private boolean publishLogged;

    Denials(AccessCounters counters, Connection connection) {
        this.counters = counters;
        this.connection = connection;
    }

    void subscribe(String filter) {
        counters.deniedSubscribe();
        if (!subscribeLogged) {
            subscribeLogged = true;
            log.warn("client {}: not authorized to subscribe to {} (further denials on this connection are only counted)",
                    connection.clientId(), filter);
        }
    }

    void publish(String topic) {
        counters.deniedPublish();
        if (!publishLogged) {
            publishLogged = true;
            log.warn("client {}: not authorized to publish to {}; dropped (further denials on this connection are only counted)",
                    connection.clientId(), topic);
        }
    }
}
