package io.oncemq.broker.server;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.oncemq.broker.Config;

/** What this server offers a 5.0 client in its CONNACK (MQTT-3.2.2-9..22): the client must keep to it. */
final class ConnackProperties {

    private ConnackProperties() {
    }

    /**
     * @param assignedId whether the server chose {@code clientId} (the client sent none)
     * @param serverKeepAlive the keep-alive imposed instead of the client's (5.0 Server Keep Alive), or -1
     * @param connect the client's CONNECT properties
     */
    static MqttProperties of(Config config, String clientId, boolean assignedId, int serverKeepAlive, MqttProperties connect) {
        MqttProperties props = new MqttProperties();
        if (assignedId) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), clientId));
        }
        props.add(intProp(MqttPropertyType.RECEIVE_MAXIMUM, config.receiveMaximum()));
        props.add(intProp(MqttPropertyType.TOPIC_ALIAS_MAXIMUM, config.topicAliasMaximum()));
        props.add(intProp(MqttPropertyType.MAXIMUM_PACKET_SIZE, config.maxPacketSize()));
        props.add(intProp(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 1));
        // said although "absent" means the same, so a client sees what it gets; Maximum QoS is left out: it may
        // only say 0 or 1, and absent means 2 (MQTT 5.0 §3.2.2.3.4)
        props.add(intProp(MqttPropertyType.RETAIN_AVAILABLE, 1));
        props.add(intProp(MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE, 1));
        props.add(intProp(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE, 1));
        if (serverKeepAlive >= 0) {
            props.add(intProp(MqttPropertyType.SERVER_KEEP_ALIVE, serverKeepAlive));
        }
        if (Connection.intProperty(connect, MqttPropertyType.REQUEST_RESPONSE_INFORMATION, 0) == 1) {
            // a topic prefix only this client is told about, for its Response Topics (MQTT 5.0 §4.10)
            props.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_INFORMATION.value(), "$response/" + clientId + "/"));
        }
        return props;
    }

    private static MqttProperties.IntegerProperty intProp(MqttPropertyType type, int value) {
        return new MqttProperties.IntegerProperty(type.value(), value);
    }
}
