package io.oncemq.broker.topic;

/**
 * One subscription's options: the MQTT 5 subscription options byte (maximum QoS, No Local, Retain As
 * Published, Retain Handling; 3.1.1 uses only the QoS) and its Subscription Identifier (0: none).
 */
public record Subscription(int options, int identifier) {

    public static Subscription of(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling, int identifier) {
        return new Subscription(qos | (noLocal ? 4 : 0) | (retainAsPublished ? 8 : 0) | retainHandling << 4, identifier);
    }

    public int qos() {
        return options & 3;
    }

    /** Messages published by this same client are not sent back to it (MQTT-3.8.3-3). */
    public boolean noLocal() {
        return (options & 4) != 0;
    }

    /** Forwarded messages keep the retain flag they were published with (MQTT-3.3.1-12, -13). */
    public boolean retainAsPublished() {
        return (options & 8) != 0;
    }

    public int retainHandling() {
        return (options >> 4) & 3;
    }
}
