package io.oncemq.broker.cluster;

import io.oncemq.broker.session.Message;

import java.util.List;

/**
 * A message on its way to another node: its id there names the origin's message for deduplication (E3).
 * {@code plain}: deliver to the node's plain subscriptions; {@code groups}: the shared subscriptions
 * ({@code $share/{group}/{filter}}) whose turn for this message falls on that node.
 */
public record Forward(Message message, String publisherId, boolean plain, List<String> groups) {
}
