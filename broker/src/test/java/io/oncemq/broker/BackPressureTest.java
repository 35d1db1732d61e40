package io.oncemq.broker;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flooding publisher and subscribers that never read: QoS 0 to a stalled socket is dropped, QoS 1 is
 * bounded by the window and the session queue, so the broker's memory stays bounded.
 */
class BackPressureTest {

    private static final int MESSAGES = 60_000;
    private static final int PAYLOAD = 1024;

    @RegisterExtension
    final TestNode node = new TestNode(Map.of("max-queued", "1000"));

    private static long usedMemory() {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long nettyDirect = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        return heap + nettyDirect;
    }

    @Test
    void stalledSubscribersLeaveTheBrokerAtABoundedMemory() throws Exception {
        try (RawClient stalled0 = new RawClient(node.port()); RawClient stalled1 = new RawClient(node.port());
             RawClient pub = new RawClient(node.port())) {
            stalled0.connectAndSubscribe("stalled-qos0", true, "flood/#", 0);
            stalled1.connectAndSubscribe("stalled-qos1", false, "flood/#", 1);
            long before = usedMemory();
            pub.connect("flooder", true, 0, 4);
            String payload = "x".repeat(PAYLOAD);
            // ~60 MB of QoS 1: each PUBACK read keeps the publisher within the broker's receive maximum
            for (int i = 1; i <= MESSAGES; i++) {
                pub.publish("flood/t", 1, (i % 65535) + 1, false, payload, 4);
                if (i % 50 == 0) {
                    for (int k = 0; k < 50; k++) {
                        pub.expect(RawClient.PUBACK);
                    }
                }
            }
            long after = usedMemory();
            long grown = after - before;
            System.out.printf("back-pressure: %d x %d B published to two stalled subscribers; broker memory grew %d MB%n",
                    MESSAGES, PAYLOAD, grown >> 20);
            assertTrue(grown < 40L << 20, "memory grew by " + (grown >> 20) + " MB for " + ((long) MESSAGES * PAYLOAD >> 20) + " MB published");
            assertTrue(node.node().postOffice().droppedCount() > 0, "the full queue of the stalled QoS 1 session dropped messages");
            // the node still serves everyone else
            try (RawClient other = new RawClient(node.port()); RawClient p2 = new RawClient(node.port())) {
                other.connectAndSubscribe("other", true, "fine", 1);
                p2.connect("p2", true, 0, 4);
                p2.publish("fine", 1, 1, false, "ok", 4);
                assertEquals("fine", other.expect(RawClient.PUBLISH).topic());
            }
        }
    }
}
