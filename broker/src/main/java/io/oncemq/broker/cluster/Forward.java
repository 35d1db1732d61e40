package io.oncemq.broker.cluster;

import io.oncemq.broker.session.Message;

import java.util.List;

/**
 * A message on its way to another node, which recognises repeats by the message's origin and id there
 * (E3). {@code plain}: deliver to the node's plain subscriptions; {@code groups}: the shared subscriptions
 * ({@code $share/{group}/{filter}}) whose turn for this message falls on that node; {@code sessions}:
 * sessions that moved to that node and get the message whatever their subscriptions (a relay).
 */
public record Forward(Message message, String publisherId, boolean plain, List<String> groups, List<SessionTarget> sessions) {

    /** A delivery to one session, decided on the node it moved away from. */
    public record SessionTarget(String clientId, int qos, boolean retain, boolean shared) {
    }

    public Forward(Message message, String publisherId, boolean plain, List<String> groups) {
        this(message, publisherId, plain, groups, List.of());
    }
}
