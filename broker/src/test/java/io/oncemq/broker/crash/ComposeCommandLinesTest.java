package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;
import io.oncemq.broker.DeployFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/compose.yaml's three command lines (and environments), started as three node JVMs on this machine with the
 * container addresses mapped to 127.0.0.1 and each port to a free one, form one cluster of three. No Docker engine here.
 */
class ComposeCommandLinesTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    void theThreeComposeNodesFormOneCluster() throws Exception {
        List<DeployFiles.ComposeNode> compose = DeployFiles.composeNodes();
        Map<String, String> address = new HashMap<>(); // container IP:5701 -> 127.0.0.1:free port
        for (DeployFiles.ComposeNode n : compose) {
            address.put(n.environment().get("ONCEMQ_CLUSTER_HOST") + ":5701", "127.0.0.1:" + FreePorts.next());
        }
        List<BrokerProcess> nodes = new ArrayList<>();
        for (DeployFiles.ComposeNode n : compose) {
            BrokerProcess p = closeables.add(new BrokerProcess(dir.resolve(n.name())));
            List<String> args = new ArrayList<>(n.args());
            for (int i = 0; i < args.size(); i++) {
                String v = args.get(i);
                if (i > 0 && args.get(i - 1).equals("--data")) {
                    args.set(i, dir.resolve(n.name()).resolve("data").toString()); // /data of its volume
                } else if (v.contains(":5701")) {
                    for (Map.Entry<String, String> e : address.entrySet()) {
                        v = v.replace(e.getKey(), e.getValue());
                    }
                    args.set(i, v);
                }
            }
            String self = address.get(n.environment().get("ONCEMQ_CLUSTER_HOST") + ":5701");
            args.set(args.indexOf("--cluster-port") + 1, self.substring(self.indexOf(':') + 1));
            args.set(args.indexOf("--http-port") + 1, String.valueOf(FreePorts.next()));
            assertTrue(!String.join(" ", args).contains("172.28."), "every container address mapped: " + args);
            p.withArgs(args.toArray(String[]::new));
            n.environment().forEach((k, v) -> p.withEnv(k, k.equals("ONCEMQ_CLUSTER_HOST") ? "127.0.0.1" : v));
            nodes.add(p);
        }
        for (BrokerProcess p : nodes) {
            p.start();
        }
        String threeMembers = "members \\[(?=[^\\]]*\\bn1\\b)(?=[^\\]]*\\bn2\\b)(?=[^\\]]*\\bn3\\b)";
        for (BrokerProcess p : nodes) {
            assertTrue(p.awaitLogMatching(threeMembers, 60_000), "no member line with n1, n2 and n3:\n"
                    + BrokerProcess.logLinesMatching(nodes, "members|configured nodes"));
            assertTrue(p.awaitLogMatching("of 3 configured nodes in the cluster", 30_000),
                    "split-brain protection counts 3 configured nodes:\n" + BrokerProcess.logLinesMatching(nodes, "configured nodes"));
        }
    }
}
