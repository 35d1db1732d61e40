package io.oncemq.broker.server;

import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A client's socket, which vertx-mqtt's endpoint hides (STACK.md): whether it still drains, and a place
 * for our own packet checks. Looked up once per connection, never per message.
 */
final class ClientSocket {

    private static final VarHandle CONN = connField();

    private final NetSocketInternal socket;

    ClientSocket(MqttEndpoint endpoint) {
        this.socket = CONN == null ? null : (NetSocketInternal) CONN.get(endpoint);
        if (socket != null) {
            // QoS 0 is dropped for a client above this much unsent data: enough for bursts, bounded per client
            socket.channelHandlerContext().channel().config()
                    .setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(512 * 1024, 1024 * 1024));
        }
    }

    /** Puts a handler in front of vertx-mqtt's, for every packet after CONNECT. */
    void guard(io.netty.channel.ChannelHandler handler) {
        if (socket != null) {
            socket.channelHandlerContext().pipeline().addBefore("handler", "oncemq-validator", handler);
        }
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
