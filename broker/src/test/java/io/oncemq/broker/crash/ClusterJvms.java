package io.oncemq.broker.crash;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Node JVMs n1..nN joined in one cluster on 127.0.0.1, and what they logged, for the cluster crash tests. */
final class ClusterJvms {

    private ClusterJvms() {
    }

    /** Starts {@code count} nodes one by one in {@code folder}/nI, each closed after the test; {@code extraArgs} go to each. */
    static List<BrokerProcess> start(Path folder, Closeables closeables, int count, String clusterPrefix, String... extraArgs)
            throws IOException, InterruptedException {
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

    /** Every line of every node and start matching {@code regex}, by node, for a failure message. */
    static String logs(List<BrokerProcess> nodes, String regex) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            b.append("--- n").append(i + 1).append(":\n");
            try {
                for (String line : nodes.get(i).logLinesMatching(regex)) {
                    b.append(line).append('\n');
                }
            } catch (IOException e) {
                b.append(e).append('\n');
            }
        }
        return b.toString();
    }
}
