package io.oncemq.broker.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.oncemq.cluster.Fence;

/**
 * The last step of every packet to a client (CONNACK, PUBLISH, PUBREC, PUBCOMP, SUBACK...): it leaves only while
 * the node's lease holds. A node that was paused or cut off may have had its sessions adopted elsewhere, and its
 * event loops run before it learns so: nothing it writes then reaches a client, and the connection closes, so the
 * client reconnects (to this node once it is confirmed again, or to the node that serves its session now).
 */
final class FenceGate extends ChannelOutboundHandlerAdapter {

    private final Fence fence;

    FenceGate(Fence fence) {
        this.fence = fence;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (fence.serving()) {
            ctx.write(msg, promise);
            return;
        }
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new Fence.Lapsed("(this node)"));
        ctx.channel().close();
    }
}
