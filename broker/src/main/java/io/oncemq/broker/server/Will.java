package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.session.MessageProperties;
import io.oncemq.broker.session.WillMessage;
import io.oncemq.broker.topic.Topics;
import io.vertx.mqtt.MqttWill;

/** Reads the will a CONNECT carries into the form the session keeps (and journals, if the session is kept). */
final class Will {

    private Will() {
    }

    /** The will of this CONNECT, or null if it has none (or a topic no one could subscribe to). */
    static WillMessage of(MqttWill will) {
        if (will == null || !will.isWillFlag() || !Topics.isValidName(will.getWillTopic())) {
            return null;
        }
        MqttProperties props = will.getWillProperties();
        long delay = 0;
        MqttProperties.MqttProperty<?> d = props == null ? null : props.getProperty(MqttPropertyType.WILL_DELAY_INTERVAL.value());
        if (d != null) {
            delay = Integer.toUnsignedLong((Integer) d.value());
        }
        byte[] payload = will.getWillMessageBytes() == null ? new byte[0] : will.getWillMessageBytes();
        // expiry relative to publication: WillMessage.toMessage makes it absolute when the will is sent
        return new WillMessage(will.getWillTopic(), will.getWillQos(), will.isWillRetain(), payload,
                MessageProperties.from(props, 0), delay);
    }
}
