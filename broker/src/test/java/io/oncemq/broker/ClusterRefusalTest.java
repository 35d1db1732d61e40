package io.oncemq.broker;

import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.oncemq.cluster.ClusterOptions;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.Owners;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A client whose kept session lives on a dead node that no live node holds a copy of: the CONNECT is refused
 * with Server unavailable, and the client id stays with that node (whose journal has the session when it
 * restarts), instead of a fresh session that would lose the queue and deliver in-flight messages again (issue 5).
 */
class ClusterRefusalTest {

    @RegisterExtension
    static final TestCluster cluster = new TestCluster(2);

    @Test
    void aSessionOnlyADeadNodeHeldIsRefusedNotStartedAfresh() throws Exception {
        int port = FreePorts.next();
        // a member that served "orphan" and died before copying anything anywhere
        Membership ghost = Membership.join(new ClusterOptions("ghost", cluster.name(), "127.0.0.1", port, cluster.members()));
        try {
            Owners.open(ghost).claim("orphan").toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            ghost.close();
        }
        for (int i = 0; i < 2; i++) { // the second proves the id went back: otherwise node 1 would serve it empty
            Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, () -> Mqtt5Client.builder()
                    .identifier("orphan").serverHost("127.0.0.1").serverPort(cluster.port(0)).buildBlocking()
                    .connectWith().cleanStart(false).sessionExpiryInterval(300).send());
            assertEquals(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE, refused.getMqttMessage().getReasonCode());
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + cluster.port(1), "orphan", new MemoryPersistence());
        MqttException e = assertThrows(MqttException.class, () -> paho.connect(options));
        assertEquals(MqttException.REASON_CODE_BROKER_UNAVAILABLE, e.getReasonCode(), "3.1.1 return code 3");
        paho.close();
    }
}
