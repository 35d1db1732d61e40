package io.oncemq.broker.topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The members of one shared subscription {@code $share/{group}/{filter}} (MQTT 5.0 §4.8.2): each message
 * goes to one of them, in turn, preferring members that are connected.
 *
 * @param <S> the member (a session)
 */
public final class SharedGroup<S> {

    private static final String PREFIX = "$share/";

    private final String name;
    private final String filter;
    private final Map<S, Subscription> members = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();

    public SharedGroup(String name, String filter) {
        this.name = name;
        this.filter = filter;
    }

    /** The share name and filter of {@code $share/{name}/{filter}}, or null if it is not a valid one (MQTT-4.8.2-1, -2). */
    public static String[] parse(String subscription) {
        if (!subscription.startsWith(PREFIX)) {
            return null;
        }
        int slash = subscription.indexOf('/', PREFIX.length());
        if (slash <= PREFIX.length() || slash == subscription.length() - 1) {
            return null;
        }
        String name = subscription.substring(PREFIX.length(), slash);
        if (name.contains("+") || name.contains("#")) {
            return null;
        }
        return new String[]{name, subscription.substring(slash + 1)};
    }

    public static boolean isShared(String subscription) {
        return subscription.startsWith(PREFIX);
    }

    public String name() {
        return name;
    }

    public String filter() {
        return filter;
    }

    /** The whole subscription, {@code $share/{name}/{filter}}. */
    public String key() {
        return PREFIX + name + "/" + filter;
    }

    public Map<S, Subscription> members() {
        return members;
    }

    /** The next member to get a message: connected ones first, in turn; null if the group is empty. */
    public S pick(Predicate<S> connected, Predicate<S> excluded) {
        List<S> all = new ArrayList<>(members.keySet());
        if (all.isEmpty()) {
            return null;
        }
        int start = Math.floorMod(turn.getAndIncrement(), all.size());
        S fallback = null;
        for (int i = 0; i < all.size(); i++) {
            S s = all.get((start + i) % all.size());
            if (excluded.test(s)) {
                continue;
            }
            if (connected.test(s)) {
                return s;
            }
            if (fallback == null) {
                fallback = s;
            }
        }
        return fallback;
    }
}
