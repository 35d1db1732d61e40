package io.oncemq.broker.crash;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A cluster of node JVMs n1..nK on free ports for the crash tests, and what they logged. */
final class NodeJvms {

    private NodeJvms() {
    }

    /** Starts {@code count} nodes one after the other, each closed after the test; {@code extraArgs} go to every node. */
    static List<BrokerProcess> startCluster(Path folder, Closeables closeables, int count, String clusterPrefix,
                                            String... extraArgs) throws Exception {
        int[] ports = new int[count];
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < count; i++) {
            ports[i] = BrokerProcess.freePort();
            members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports[i]);
        }
        String name = clusterPrefix + "-" + Long.toHexString(System.nanoTime());
        List<BrokerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BrokerProcess p = new BrokerProcess(folder.resolve("n" + (i + 1))).withArgs("--node", "n" + (i + 1),
                    "--cluster-port", String.valueOf(ports[i]), "--members", members.toString(), "--cluster-name", name)
                    .withArgs(extraArgs);
            closeables.add(p);
            nodes.add(p);
            p.start();
        }
        return nodes;
    }

    /** Starts every node at once: in a cold start each waits for the others before it accepts connections. */
    static void startAll(List<BrokerProcess> nodes) throws Exception {
        List<Thread> starting = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (BrokerProcess p : nodes) {
            Thread t = new Thread(() -> {
                try {
                    p.start();
                } catch (Exception | Error e) {
                    failures.add(e);
                }
            }, "start-node");
            t.start();
            starting.add(t);
        }
        for (Thread t : starting) {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("not every node started again: " + failures);
        }
    }

    /** What each node logged about members, cold starts, hand-overs and adoptions, every start. */
    static String tails(List<BrokerProcess> nodes) {
        return BrokerProcess.logLinesMatching(nodes, "Takeover|Adoption|ForwardSender|ClusterNode|ColdStart|left;|joined;|connected|ERROR");
    }
}
