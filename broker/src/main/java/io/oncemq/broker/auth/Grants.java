package io.oncemq.broker.auth;

import java.util.List;

/** What one client (user name and client id) may read and write under one version of the ACL rules. */
final class Grants {

    private final AccessRules rules;
    private final TopicPattern[] read;
    private final TopicPattern[] write;

    Grants(AccessRules rules, List<TopicPattern> read, List<TopicPattern> write) {
        this.rules = rules;
        this.read = read.toArray(new TopicPattern[0]);
        this.write = write.toArray(new TopicPattern[0]);
    }

    AccessRules rules() {
        return rules;
    }

    boolean mayRead(String topic) {
        return any(read, topic);
    }

    boolean mayWrite(String topic) {
        return any(write, topic);
    }

    /** A subscription is allowed when one read rule covers all it can match. */
    boolean maySubscribe(String filter) {
        for (TopicPattern p : read) {
            if (p.covers(filter)) {
                return true;
            }
        }
        return false;
    }

    private static boolean any(TopicPattern[] patterns, String topic) {
        for (TopicPattern p : patterns) {
            if (p.matches(topic)) {
                return true;
            }
        }
        return false;
    }
}
