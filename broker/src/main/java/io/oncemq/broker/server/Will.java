package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.MessageProperties;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.topic.Topics;
import io.vertx.mqtt.MqttWill;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A connection's will: published once when the connection ends without DISCONNECT (or with 5.0 reason
 * 0x04), after its Will Delay Interval unless the session is resumed first (MQTT-3.1.3-9).
 */
final class Will {

    private static final Logger log = LoggerFactory.getLogger(Will.class);

    private final Connection connection;
    private final PostOffice postOffice;
    private final MqttWill will;
    private boolean done;

    Will(Connection connection, PostOffice postOffice, MqttWill will) {
        this.connection = connection;
        this.postOffice = postOffice;
        this.will = will;
    }

    /** A normal DISCONNECT: the will is deleted without being published (MQTT-3.1.2-10). */
    void discard() {
        done = true;
    }

    /** The connection ended abnormally: publish now, or when the delay passes (on the session's loop). */
    void publish(Session session) {
        if (done || will == null || !will.isWillFlag()) {
            return;
        }
        done = true;
        if (!Topics.isValidName(will.getWillTopic())) {
            return;
        }
        MqttProperties props = will.getWillProperties();
        long delay = 0;
        MqttProperties.MqttProperty<?> d = props == null ? null : props.getProperty(MqttPropertyType.WILL_DELAY_INTERVAL.value());
        if (d != null) {
            delay = Integer.toUnsignedLong((Integer) d.value());
        }
        String clientId = connection.clientId();
        Runnable send = () -> {
            byte[] payload = will.getWillMessageBytes() == null ? new byte[0] : will.getWillMessageBytes();
            Message m = new Message(postOffice.nextMessageId(), will.getWillTopic(), will.getWillQos(), will.isWillRetain(),
                    payload, MessageProperties.from(props, System.currentTimeMillis()));
            List<PostOffice.Target> targets = postOffice.route(m, clientId, session.loop(), List.of());
            session.loop().then(() -> postOffice.dispatch(m, targets));
            log.info("client {}: will published on {}", clientId, m.topic());
        };
        if (delay == 0 || !session.persistent()) {
            send.run(); // no delay, or the session ends now: the will goes now (MQTT-3.1.3-9)
        } else {
            session.delayWill(Math.min(delay, session.expirySeconds()), send);
        }
    }
}
