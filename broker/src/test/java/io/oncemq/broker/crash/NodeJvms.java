package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;

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
        String[] addresses = new String[count];
        for (int i = 0; i < count; i++) {
            addresses[i] = "127.0.0.1:" + FreePorts.next();
        }
        return startCluster(folder, closeables, addresses, null, clusterPrefix, extraArgs);
    }

    /**
     * Starts one node in each of the namespaces, one after the other, on the cluster port {@code clusterPort} of its
     * namespace's address; clients reach them over the bridge.
     */
    static List<BrokerProcess> startCluster(Path folder, Closeables closeables, NetworkNamespaces net, int count, int clusterPort,
                                            String clusterPrefix, String... extraArgs) throws Exception {
        String[] addresses = new String[count];
        for (int i = 0; i < count; i++) {
            addresses[i] = net.address(i) + ":" + clusterPort;
        }
        return startCluster(folder, closeables, addresses, net, clusterPrefix, extraArgs);
    }

    private static List<BrokerProcess> startCluster(Path folder, Closeables closeables, String[] addresses, NetworkNamespaces net,
                                                    String clusterPrefix, String... extraArgs) throws Exception {
        String members = String.join(",", addresses);
        String name = clusterPrefix + "-" + Long.toHexString(System.nanoTime());
        List<BrokerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < addresses.length; i++) {
            String host = addresses[i].substring(0, addresses[i].lastIndexOf(':'));
            String port = addresses[i].substring(addresses[i].lastIndexOf(':') + 1);
            BrokerProcess p = new BrokerProcess(folder.resolve("n" + (i + 1))).withArgs("--node", "n" + (i + 1),
                    "--cluster-port", port, "--members", members, "--cluster-name", name)
                    .withArgs(extraArgs);
            if (net != null) {
                p.launchedBy(net.launcher(i), host).withEnv("ONCEMQ_CLUSTER_HOST", host);
            }
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
