package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.oncemq.broker.Config;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.topic.Topics;
import io.oncemq.journal.Record;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttUnsubAckReasonCode;

import java.util.ArrayList;
import java.util.List;

/** SUBSCRIBE and UNSUBSCRIBE of one connection: the session's filters, the topic tree, retained delivery. */
final class Subscriptions {

    private final Connection connection;
    private final PostOffice postOffice;
    private final Config config;

    Subscriptions(Connection connection, PostOffice postOffice, Config config) {
        this.connection = connection;
        this.postOffice = postOffice;
        this.config = config;
    }

    void subscribe(MqttSubscribeMessage m) {
        Session s = connection.session();
        List<MqttSubAckReasonCode> codes = new ArrayList<>();
        List<Delivery> retained = new ArrayList<>();
        long now = System.currentTimeMillis();
        MqttProperties.MqttProperty<?> id = m.properties() == null ? null
                : m.properties().getProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value());
        int identifier = id == null ? 0 : (Integer) id.value();
        String problem = null;
        for (MqttTopicSubscription sub : m.topicSubscriptions()) {
            String filter = sub.topicName();
            String[] shared = SharedGroup.parse(filter);
            String matched = shared == null ? filter : shared[1];
            if (!Topics.isValidFilter(matched) || (shared == null && SharedGroup.isShared(filter))) {
                codes.add(connection.v5() ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
                problem = "invalid topic filter " + filter;
                continue;
            }
            if (shared != null && connection.v5() && sub.subscriptionOption().isNoLocal()) {
                connection.protocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "No Local on shared subscription " + filter); // MQTT-3.8.3-4
                return;
            }
            if (!Topics.withinLimits(filter, config.maxTopicLength(), config.maxTopicLevels())) {
                codes.add(connection.v5() ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
                problem = "topic filter above max-topic-length " + config.maxTopicLength() + " or max-topic-levels " + config.maxTopicLevels();
                continue;
            }
            if (!s.access().maySubscribe(matched)) {
                codes.add(connection.v5() ? MqttSubAckReasonCode.NOT_AUTHORIZED : MqttSubAckReasonCode.UNSPECIFIED_ERROR); // 0x87 / 0x80
                problem = "not authorized to subscribe to " + filter;
                connection.denials().subscribe(filter);
                continue;
            }
            if (!s.subscriptions().containsKey(filter) && s.subscriptions().size() >= config.maxSubscriptions()) {
                codes.add(connection.v5() ? MqttSubAckReasonCode.QUOTA_EXCEEDED : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
                problem = "more than max-subscriptions " + config.maxSubscriptions();
                continue;
            }
            int qos = Math.min(sub.qualityOfService().value(), 2);
            MqttSubscriptionOption o = sub.subscriptionOption();
            int retainHandling = o == null || !connection.v5() ? 0 : o.retainHandling().value();
            Subscription subscription = connection.v5()
                    ? Subscription.of(qos, o.isNoLocal(), o.isRetainAsPublished(), retainHandling, identifier)
                    : Subscription.of(qos, false, false, 0, 0);
            boolean isNew = s.subscriptions().put(filter, subscription) == null;
            postOffice.subscribe(s, filter, subscription);
            if (s.persistent()) {
                s.loop().record(new Record.Subscribed(s.clientId(), filter, subscription.options(), subscription.identifier()));
            }
            codes.add(MqttSubAckReasonCode.qosGranted(io.netty.handler.codec.mqtt.MqttQoS.valueOf(qos)));
            // Retain Handling 0: send retained; 1: only for a new subscription; 2: never (MQTT-3.3.1-9..11);
            // never for a shared subscription (5.0 §4.8.2)
            if (shared == null && (retainHandling == 0 || (retainHandling == 1 && isNew))) {
                for (Message r : postOffice.retained().matching(filter)) {
                    if (r.expired(now) || !s.access().mayRead(r.topic())) {
                        continue; // an expired retained message is never delivered (MQTT-3.3.2-5), nor one the client may not read
                    }
                    Delivery d = new Delivery(r, Math.min(qos, r.qos()), true);
                    if (d.qos() > 0 && s.persistent()) {
                        s.loop().record(new Record.Enqueued(s.clientId(), r.id(), d.journaledQos()));
                    }
                    retained.add(d);
                }
            }
        }
        MqttProperties reason = problem == null ? MqttProperties.NO_PROPERTIES
                : connection.limits().subackReason(problem, codes.size());
        // the subscription is durable before SUBACK, and SUBACK goes before the retained messages
        s.loop().then(() -> {
            connection.ack(() -> connection.endpoint().subscribeAcknowledge(m.messageId(), codes, reason));
            retained.forEach(s.outbound()::deliver);
        });
    }

    void unsubscribe(MqttUnsubscribeMessage m) {
        Session s = connection.session();
        List<MqttUnsubAckReasonCode> codes = new ArrayList<>();
        for (String filter : m.topics()) {
            boolean existed = s.subscriptions().remove(filter) != null;
            if (existed) {
                postOffice.unsubscribe(s, filter);
                if (s.persistent()) {
                    s.loop().record(new Record.Unsubscribed(s.clientId(), filter));
                }
            }
            codes.add(existed ? MqttUnsubAckReasonCode.SUCCESS : MqttUnsubAckReasonCode.NO_SUBSCRIPTION_EXISTED);
        }
        s.loop().then(() -> connection.ack(() -> {
            if (connection.v5()) {
                connection.endpoint().unsubscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
            } else {
                connection.endpoint().unsubscribeAcknowledge(m.messageId());
            }
        }));
    }
}
