package io.oncemq.bench.loadgen;

/** Who publishes to whom: the topic of each publisher, the filter of each subscriber, who receives what. */
public enum Scenario {
    /** Publisher i to subscriber i, one topic each (P = S). */
    PAIRS,
    /** Every publisher to one wildcard subscriber. */
    FAN_IN,
    /** One publisher to every subscriber. */
    FAN_OUT,
    /** Every publisher to one shared subscription group of S members: each message to one of them. */
    SHARED;

    public String topic(int publisher) {
        return this == FAN_OUT ? "load/0" : "load/" + publisher;
    }

    public String filter(int subscriber) {
        return switch (this) {
            case PAIRS -> "load/" + subscriber;
            case FAN_IN -> "load/#";
            case FAN_OUT -> "load/0";
            case SHARED -> "$share/lg/load/#";
        };
    }

    /** How many audit groups receive each message: subscribers that must each get it, or 1 for the shared group. */
    public int receiversPerMessage(int subscribers) {
        return this == FAN_OUT ? subscribers : 1;
    }

    /** The audit group of a subscriber: the subscriber itself, or the one shared group. */
    public int auditGroup(int subscriber) {
        return this == SHARED || this == FAN_IN ? 0 : subscriber;
    }

    /** Whether the audit group should get the messages of the publisher. */
    public boolean receives(int group, int publisher) {
        return switch (this) {
            case PAIRS -> group == publisher;
            case FAN_OUT -> publisher == 0;
            case FAN_IN, SHARED -> true;
        };
    }

    public int auditGroups(int subscribers) {
        return this == SHARED || this == FAN_IN ? 1 : subscribers;
    }

    public static Scenario parse(String s) {
        return valueOf(s.toUpperCase().replace('-', '_'));
    }
}
