package io.oncemq.broker.server;

import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Whether a client's socket still drains: vertx-mqtt's endpoint hides its socket, whose write queue tells
 * it (STACK.md). Looked up once per connection, never per message.
 */
final class WriteQueue {

    private static final VarHandle CONN = connField();

    private final NetSocketInternal socket;

    WriteQueue(MqttEndpoint endpoint) {
        this.socket = CONN == null ? null : (NetSocketInternal) CONN.get(endpoint);
    }

    /** True while the socket's outbound buffer is above its high-water mark. */
    boolean full() {
        return socket != null && socket.writeQueueFull();
    }

    private static VarHandle connField() {
        try {
            Class<?> impl = Class.forName("io.vertx.mqtt.impl.MqttEndpointImpl");
            return MethodHandles.privateLookupIn(impl, MethodHandles.lookup()).findVarHandle(impl, "conn", NetSocketInternal.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // without it QoS 0 is never dropped for a slow reader; QoS 1/2 stay bounded by the window
        }
    }
}
