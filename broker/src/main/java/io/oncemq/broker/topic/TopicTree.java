package io.oncemq.broker.topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Subscriptions by filter level, shared by all event loops: matching is lock-free and costs one map
 * look-up per topic level and wildcard, whatever the number of filters; changes take one lock.
 *
 * @param <S> the subscriber (a session)
 */
public final class TopicTree<S> {

    private final Node<S> root = new Node<>(null, null);
    private final Object writeLock = new Object();

    private static final class Node<S> {
        final Node<S> parent;
        final String level;
        final Map<String, Node<S>> children = new ConcurrentHashMap<>();
        final Map<S, Subscription> subscribers = new ConcurrentHashMap<>();

        Node(Node<S> parent, String level) {
            this.parent = parent;
            this.level = level;
        }
    }

    /** Adds or replaces the subscriber's subscription to the filter; returns whether it is new. */
    public boolean subscribe(String filter, S subscriber, Subscription subscription) {
        synchronized (writeLock) {
            Node<S> node = root;
            for (String level : split(filter)) {
                Node<S> parent = node;
                node = node.children.computeIfAbsent(level, l -> new Node<>(parent, l));
            }
            return node.subscribers.put(subscriber, subscription) == null;
        }
    }

    /** Removes the subscriber from the filter; returns whether it was subscribed. */
    public boolean unsubscribe(String filter, S subscriber) {
        synchronized (writeLock) {
            Node<S> node = root;
            for (String level : split(filter)) {
                node = node.children.get(level);
                if (node == null) {
                    return false;
                }
            }
            boolean removed = node.subscribers.remove(subscriber) != null;
            // prune empty branches so churn of many filters does not grow the tree
            while (node.parent != null && node.subscribers.isEmpty() && node.children.isEmpty()) {
                node.parent.children.remove(node.level, node);
                node = node.parent;
            }
            return removed;
        }
    }

    /** Calls {@code out} once per (subscriber, subscription) of every filter that matches the topic name. */
    public void match(String topic, BiConsumer<S, Subscription> out) {
        List<String> levels = split(topic);
        boolean dollar = topic.startsWith("$");
        match(root, levels, 0, dollar, out);
    }

    private void match(Node<S> node, List<String> levels, int depth, boolean dollar, BiConsumer<S, Subscription> out) {
        boolean wildcardsAllowed = !(dollar && depth == 0);
        if (wildcardsAllowed) {
            Node<S> hash = node.children.get("#");
            if (hash != null) {
                hash.subscribers.forEach(out);
            }
        }
        if (depth == levels.size()) {
            node.subscribers.forEach(out);
            return;
        }
        Node<S> exact = node.children.get(levels.get(depth));
        if (exact != null) {
            match(exact, levels, depth + 1, dollar, out);
        }
        if (wildcardsAllowed) {
            Node<S> plus = node.children.get("+");
            if (plus != null) {
                match(plus, levels, depth + 1, dollar, out);
            }
        }
    }

    private static List<String> split(String s) {
        List<String> levels = new ArrayList<>(8);
        int start = 0;
        while (true) {
            int slash = s.indexOf('/', start);
            if (slash < 0) {
                levels.add(s.substring(start));
                return levels;
            }
            levels.add(s.substring(start, slash));
            start = slash + 1;
        }
    }
}
