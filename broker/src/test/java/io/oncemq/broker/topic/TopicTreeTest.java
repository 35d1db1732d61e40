package io.oncemq.broker.topic;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicTreeTest {

    private static Set<String> match(TopicTree<String> tree, String topic) {
        Set<String> out = new HashSet<>();
        tree.match(topic, (s, o) -> out.add(s));
        return out;
    }

    @Test
    void matchesExactPlusAndHashFilters() {
        TopicTree<String> tree = new TopicTree<>();
        tree.subscribe("a/b/c", "exact", new Subscription(0, 0));
        tree.subscribe("a/+/c", "plus", new Subscription(0, 0));
        tree.subscribe("a/#", "hash", new Subscription(0, 0));
        tree.subscribe("#", "all", new Subscription(0, 0));
        tree.subscribe("b/#", "other", new Subscription(0, 0));
        assertEquals(Set.of("exact", "plus", "hash", "all"), match(tree, "a/b/c"));
        assertEquals(Set.of("hash", "all"), match(tree, "a"), "a/# matches its parent level (MQTT-4.7.1-2)");
        assertEquals(Set.of("hash", "all"), match(tree, "a/b"));
    }

    @Test
    void leadingWildcardsSkipDollarTopics() {
        TopicTree<String> tree = new TopicTree<>();
        tree.subscribe("#", "all", new Subscription(0, 0));
        tree.subscribe("+/x", "plus", new Subscription(0, 0));
        tree.subscribe("$SYS/#", "sys", new Subscription(0, 0));
        assertEquals(Set.of("sys"), match(tree, "$SYS/x"));
        assertEquals(Set.of("all", "plus"), match(tree, "a/x"));
    }

    @Test
    void emptyLevelsAreLevels() {
        TopicTree<String> tree = new TopicTree<>();
        tree.subscribe("+/a", "plus", new Subscription(0, 0));
        tree.subscribe("/a", "exact", new Subscription(0, 0));
        assertEquals(Set.of("plus", "exact"), match(tree, "/a"));
    }

    @Test
    void unsubscribePrunesAndStopsMatching() {
        TopicTree<String> tree = new TopicTree<>();
        tree.subscribe("a/b", "s", new Subscription(1, 0));
        assertTrue(tree.unsubscribe("a/b", "s"));
        assertFalse(tree.unsubscribe("a/b", "s"));
        assertEquals(Set.of(), match(tree, "a/b"));
    }

    @Test
    void staysCorrectWith100kFilters() {
        TopicTree<String> tree = new TopicTree<>();
        for (int i = 0; i < 100_000; i++) {
            tree.subscribe("dev/" + i + "/+", "s" + i, new Subscription(0, 0));
        }
        assertEquals(Set.of("s4242"), match(tree, "dev/4242/temp"));
    }

    @Test
    void validatesNamesAndFilters() {
        assertTrue(Topics.isValidFilter("a/+/b/#"));
        assertTrue(Topics.isValidFilter("+"));
        assertFalse(Topics.isValidFilter("a/b#"));
        assertFalse(Topics.isValidFilter("a/#/b"));
        assertFalse(Topics.isValidFilter("a+/b"));
        assertFalse(Topics.isValidFilter(""));
        assertTrue(Topics.isValidName("a/b"));
        assertFalse(Topics.isValidName("a/+"));
        assertFalse(Topics.isValidName("a\u0000b"));
        assertTrue(Topics.matches("a/#", "a"));
        assertTrue(Topics.matches("a/+", "a/"));
        assertFalse(Topics.matches("a/+", "a/b/c"));
        assertFalse(Topics.matches("#", "$SYS/x"));
    }
}
