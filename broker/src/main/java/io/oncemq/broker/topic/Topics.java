package io.oncemq.broker.topic;

/** Validation of topic names and filters, and matching of one filter against one topic name. */
public final class Topics {

    private Topics() {
    }

    /** A PUBLISH topic: non-empty, no wildcards (MQTT-3.3.2-2), no U+0000 (MQTT-4.7.3-2). */
    public static boolean isValidName(String topic) {
        if (topic == null || topic.isEmpty()) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** A filter: '#' only as the whole last level (MQTT-4.7.1-2), '+' only as a whole level (MQTT-4.7.1-3). */
    public static boolean isValidFilter(String filter) {
        if (filter == null || filter.isEmpty()) {
            return false;
        }
        int len = filter.length();
        for (int i = 0; i < len; i++) {
            char c = filter.charAt(i);
            if (c == 0) {
                return false;
            }
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == len - 1 || filter.charAt(i + 1) == '/';
            if (c == '+' && !(levelStart && levelEnd)) {
                return false;
            }
            if (c == '#' && !(levelStart && i == len - 1)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a topic name or filter stays within the configured length (UTF-8 bytes) and number of levels. */
    public static boolean withinLimits(String topic, int maxBytes, int maxLevels) {
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                levels++;
            }
        }
        return levels <= maxLevels && (topic.length() <= maxBytes / 3
                || topic.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= maxBytes);
    }

    /** Whether the filter matches the topic name; wildcards at the first level skip '$' topics (MQTT-4.7.2-1). */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (f < fl) {
            int fEnd = filter.indexOf('/', f);
            if (fEnd < 0) {
                fEnd = fl;
            }
            String level = filter.substring(f, fEnd);
            if (level.equals("#")) {
                return true;
            }
            if (t > tl) {
                return false;
            }
            int tEnd = topic.indexOf('/', t);
            if (tEnd < 0) {
                tEnd = tl;
            }
            if (!level.equals("+") && !level.equals(topic.substring(t, tEnd))) {
                return false;
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
        return t > tl;
    }
}
