package io.oncemq.broker.auth;

/** One ACL topic filter, split into levels once, matched against topic names without allocating. */
final class TopicPattern {

    private final String filter;
    private final String[] levels;
    private final boolean[] plus;
    /** A wildcard first level does not reach '$' topics (MQTT-4.7.2-1), as in subscriptions. */
    private final boolean skipsDollar;

    TopicPattern(String filter) {
        this.filter = filter;
        this.levels = filter.split("/", -1);
        this.plus = new boolean[levels.length];
        for (int i = 0; i < levels.length; i++) {
            plus[i] = levels[i].equals("+");
        }
        this.skipsDollar = plus[0] || levels[0].equals("#");
    }

    /** Whether a message on this topic name falls under the filter. */
    boolean matches(String topic) {
        if (skipsDollar && topic.startsWith("$")) {
            return false;
        }
        int t = 0;
        int tl = topic.length();
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (i == levels.length - 1 && level.equals("#")) {
                return true;
            }
            if (t > tl) {
                return false;
            }
            int end = topic.indexOf('/', t);
            if (end < 0) {
                end = tl;
            }
            if (!plus[i] && (end - t != level.length() || !topic.regionMatches(t, level, 0, level.length()))) {
                return false;
            }
            t = end + 1;
        }
        return t > tl;
    }

    /** Whether every topic the subscription filter can match falls under this filter. */
    boolean covers(String subscription) {
        String[] s = subscription.split("/", -1);
        if (skipsDollar && s[0].startsWith("$")) {
            return false;
        }
        for (int i = 0; i < levels.length; i++) {
            if (levels[i].equals("#")) {
                return true;
            }
            if (i >= s.length || s[i].equals("#")) {
                return false;
            }
            if (!plus[i] && !levels[i].equals(s[i])) {
                return false; // a '+' in the subscription is wider than a literal level here
            }
        }
        return s.length == levels.length;
    }

    @Override
    public String toString() {
        return filter;
    }
}
