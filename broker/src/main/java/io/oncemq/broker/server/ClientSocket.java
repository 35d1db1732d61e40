package io.oncemq.broker.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.oncemq.cluster.Fence;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * A client's socket, which vertx-mqtt's endpoint hides (STACK.md): whether it still drains, and a place
 * for our own packet checks. Looked up once per connection, never per message.
 */
final class ClientSocket {

    private static final VarHandle CONN = connField();
    /** vertx-mqtt's handler that turns binary WebSocket frames into bytes for the MQTT decoder. */
    private static final String WS_DECODER = "ws2bytebufDecoder";

    private final NetSocketInternal socket;

    /** {@code fence}: null for a node without split-brain protection. */
    ClientSocket(MqttEndpoint endpoint, Fence fence) {
        this.socket = CONN == null ? null : (NetSocketInternal) CONN.get(endpoint);
        if (socket != null && fence != null) {
            // first in the pipeline, so last before the socket: every packet, whichever path wrote it, passes it
            socket.channelHandlerContext().pipeline().addFirst("oncemq-fence", new FenceGate(fence));
        }
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

    /**
     * Over WebSocket, from CONNECT on: joins a message's continuation frames (vertx-mqtt reads only messages of
     * one frame and would drop the rest) up to {@code maxBytes}, and refuses a text frame (MQTT-6.0.0-1).
     */
    void webSocketFrames(int maxBytes) {
        if (socket == null) {
            return;
        }
        ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
        if (pipeline.get(WS_DECODER) == null) {
            return; // plain TCP or TLS
        }
        pipeline.addBefore(WS_DECODER, "oncemq-ws-aggregator", new WebSocketFrameAggregator(maxBytes));
        pipeline.addBefore(WS_DECODER, "oncemq-ws-binary-only", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof TextWebSocketFrame) {
                    ReferenceCountUtil.release(msg);
                    ctx.fireExceptionCaught(new CorruptedFrameException("a text frame: MQTT-6.0.0-1 allows binary frames only"));
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
        });
    }

    /**
     * Holds the client to {@code seconds} of keep-alive instead of what it asked for: vertx-mqtt's idle
     * handlers (named "idle" and "keepAliveHandler", present when the client asked for one) are replaced.
     */
    void keepAlive(int seconds, Runnable onSilence) {
        if (socket == null) {
            return;
        }
        ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
        for (String name : new String[]{"idle", "keepAliveHandler"}) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
        // MQTT-3.1.2-22: closed after one and a half keep-alive periods without a packet
        pipeline.addBefore("handler", "idle", new IdleStateHandler(seconds * 1500L, 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addBefore("handler", "keepAliveHandler", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE) {
                    onSilence.run();
                } else {
                    ctx.fireUserEventTriggered(evt);
                }
            }
        });
    }

    /**
     * Writes a PUBLISH with the message's payload wrapped, not copied (vertx-mqtt's endpoint copies it
     * twice per subscriber). False if the socket is not reachable: the caller uses the endpoint then.
     */
    boolean publish(String topic, byte[] payload, int qos, boolean dup, boolean retain, int packetId, MqttProperties props) {
        if (socket == null) {
            return false;
        }
        MqttFixedHeader header = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0);
        socket.writeMessage(new MqttPublishMessage(header, new MqttPublishVariableHeader(topic, packetId, props),
                Unpooled.wrappedBuffer(payload)));
        return true;
    }

    /** Reads no more packets: what the client sends from now on is unanswered, and it sends it again to its next node. */
    void stopReading() {
        if (socket != null) {
            socket.channelHandlerContext().channel().config().setAutoRead(false);
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
