package io.oncemq.bench.loadgen;

import io.oncemq.broker.Config;
import io.oncemq.broker.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load generator against a real in-process node: every scenario audited end to end. */
class LoadRunTest {

    @TempDir
    Path data;
    Node node;

    @BeforeEach
    void start() {
        node = new Node(Config.from(Map.of("port", "0", "host", "127.0.0.1", "data", data.toString(), "event-loops", "2"))).start();
    }

    @AfterEach
    void stop() {
        node.stop();
    }

    private LoadResult run(Scenario scenario, int publishers, int subscribers, int qos, long sessionExpiry) throws Exception {
        LoadSpec spec = new LoadSpec(scenario, publishers, subscribers, 2000, 64, qos, 50, 0, 60,
                List.of("127.0.0.1:" + node.port()), "test", sessionExpiry);
        LoadResult r = new LoadRun(spec).run(line -> { });
        System.out.println(r.summary());
        return r;
    }

    @Test
    void pairsAtQos2OverKeptSessionsLoseAndDuplicateNothing() throws Exception {
        LoadResult r = run(Scenario.PAIRS, 2, 2, 2, 600);
        assertTrue(r.completed());
        assertEquals(4000, r.received());
        assertEquals(0, r.lost());
        assertEquals(0, r.duplicated());
        assertEquals(0, r.outOfOrder());
        assertTrue(r.msgsPerSecond() > 0 && r.p99Micros() >= r.p50Micros());
    }

    @Test
    void fanInFanOutAndSharedAreAudited() throws Exception {
        LoadResult in = run(Scenario.FAN_IN, 4, 1, 1, 0);
        assertEquals(8000, in.received());
        assertEquals(0, in.lost());
        LoadResult out = run(Scenario.FAN_OUT, 1, 3, 1, 0);
        assertEquals(6000, out.received(), "each of 3 subscribers gets every message");
        assertEquals(0, out.lost());
        LoadResult shared = run(Scenario.SHARED, 2, 2, 2, 0);
        assertEquals(4000, shared.received(), "each message to one member");
        assertEquals(0, shared.lost());
        assertEquals(0, shared.duplicated());
        assertEquals(0, shared.outOfOrder(), "each member sees its share in publish order");
    }

    @Test
    void refusesAddressesOutsideLoopback() {
        LoadSpec spec = new LoadSpec(Scenario.PAIRS, 1, 1, 1, 64, 1, 1, 0, 1, List.of("192.0.2.1:1883"), "x", 0);
        assertThrows(IllegalArgumentException.class, () -> spec.checkLoopback(false));
    }
}
