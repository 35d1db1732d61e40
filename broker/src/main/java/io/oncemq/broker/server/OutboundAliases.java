package io.oncemq.broker.server;

import java.util.HashMap;
import java.util.Map;

/**
 * Topic aliases this server sends one 5.0 connection (MQTT 5.0 §3.3.2.3.4): the first distinct topics,
 * up to the smaller of the client's Topic Alias Maximum and ours, each get an alias for the life of the
 * connection (MQTT-3.3.2-7: aliases never outlive it); later topics are sent in full.
 */
final class OutboundAliases {

    private final int maximum;
    private final Map<String, Integer> aliases = new HashMap<>();

    OutboundAliases(int maximum) {
        this.maximum = maximum;
    }

    /** The alias already sent for this topic, or 0. */
    int known(String topic) {
        return aliases.getOrDefault(topic, 0);
    }

    /** A new alias for this topic (to be sent with the topic once), or 0 when all are taken. */
    int assign(String topic) {
        if (aliases.size() >= maximum) {
            return 0;
        }
        int alias = aliases.size() + 1; // never 0 (MQTT-3.3.2-8), never above the maximum (MQTT-3.3.2-11)
        aliases.put(topic, alias);
        return alias;
    }
}
