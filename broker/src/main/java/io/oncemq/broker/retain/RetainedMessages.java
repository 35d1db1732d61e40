package io.oncemq.broker.retain;

import io.oncemq.broker.session.Message;
import io.oncemq.broker.topic.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The last retained message of each topic, shared by all loops. */
public final class RetainedMessages {

    private final Map<String, Message> byTopic = new ConcurrentHashMap<>();

    public void set(Message m) {
        byTopic.put(m.topic(), m);
    }

    public void clear(String topic) {
        byTopic.remove(topic);
    }

    /** Retained messages whose topic the filter matches (MQTT-3.3.1-6). */
    public List<Message> matching(String filter) {
        List<Message> out = new ArrayList<>();
        for (Message m : byTopic.values()) {
            if (Topics.matches(filter, m.topic())) {
                out.add(m);
            }
        }
        return out;
    }

    public int size() {
        return byTopic.size();
    }
}
