package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
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

    /** Bit of a journaled queue entry's QoS that marks a retained delivery (PUBLISH with retain=1). */
    static final int RETAINED_DELIVERY = 4;

    private final Connection connection;
    private final PostOffice postOffice;

    Subscriptions(Connection connection, PostOffice postOffice) {
        this.connection = connection;
        this.postOffice = postOffice;
    }

    void subscribe(MqttSubscribeMessage m) {
        Session s = connection.session();
        List<MqttSubAckReasonCode> codes = new ArrayList<>();
        List<Delivery> retained = new ArrayList<>();
        for (MqttTopicSubscription sub : m.topicSubscriptions()) {
            String filter = sub.topicName();
            if (!Topics.isValidFilter(filter)) {
                codes.add(connection.v5() ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
                continue;
            }
            if (filter.startsWith("$share/")) {
                codes.add(connection.v5() ? MqttSubAckReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
                continue;
            }
            int qos = Math.min(sub.qualityOfService().value(), 2);
            MqttSubscriptionOption o = sub.subscriptionOption();
            int retainHandling = o == null ? 0 : o.retainHandling().value();
            int options = qos | (o != null && o.isNoLocal() ? 4 : 0) | (o != null && o.isRetainAsPublished() ? 8 : 0)
                    | retainHandling << 4;
            boolean isNew = s.subscriptions().put(filter, options) == null;
            postOffice.subscriptions().subscribe(filter, s, options);
            if (s.persistent()) {
                s.loop().record(new Record.Subscribed(s.clientId(), filter, options));
            }
            codes.add(MqttSubAckReasonCode.qosGranted(io.netty.handler.codec.mqtt.MqttQoS.valueOf(qos)));
            // Retain Handling 0: send retained; 1: only for a new subscription; 2: never (MQTT-3.3.1-9..11)
            if (retainHandling == 0 || (retainHandling == 1 && isNew)) {
                for (Message r : postOffice.retained().matching(filter)) {
                    int deliveryQos = Math.min(qos, r.qos());
                    if (deliveryQos > 0 && s.persistent()) {
                        s.loop().record(new Record.Enqueued(s.clientId(), r.id(), deliveryQos | RETAINED_DELIVERY));
                    }
                    retained.add(new Delivery(r, deliveryQos, true));
                }
            }
        }
        // the subscription is durable before SUBACK, and SUBACK goes before the retained messages
        s.loop().then(() -> {
            connection.ack(() -> connection.endpoint().subscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES));
            retained.forEach(s.outbound()::deliver);
        });
    }

    void unsubscribe(MqttUnsubscribeMessage m) {
        Session s = connection.session();
        List<MqttUnsubAckReasonCode> codes = new ArrayList<>();
        for (String filter : m.topics()) {
            boolean existed = s.subscriptions().remove(filter) != null;
            if (existed) {
                postOffice.subscriptions().unsubscribe(filter, s);
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
