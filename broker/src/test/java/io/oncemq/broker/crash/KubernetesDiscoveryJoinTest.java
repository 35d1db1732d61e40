package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;
import io.oncemq.cluster.ClusterOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three node JVMs with no member list find each other by Hazelcast's Kubernetes discovery in DNS lookup mode, as
 * deploy/k8s/oncemq.yaml has them do: the headless Service's name resolves to the three nodes' addresses and each
 * listens on the same cluster port. No Kubernetes here: the name is resolved from a hosts file
 * ({@code -Djdk.net.hosts.file}, the JDK's resolver reading a file instead of asking DNS) to 127.0.0.2-4, and each
 * node announces one of those ({@code cluster-host}) and binds its cluster port to it alone
 * ({@code hazelcast.local.localAddress}, {@code hazelcast.socket.bind.any=false}), as three pods have three IPs.
 * The Hazelcast members and their discovery are the real ones; the DNS server is the stand-in.
 */
class KubernetesDiscoveryJoinTest {

    private static final String SERVICE = "oncemq-headless.oncemq.svc.cluster.local";
    private static final int NODES = 3;

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();
    private final List<Integer> httpPorts = new ArrayList<>();
    private Link sub;
    private Link pub;

    @Test
    void nodesFindEachOtherByTheHeadlessServiceNameAndCountClusterSize() throws Exception {
        List<BrokerProcess> nodes = startCluster(ClusterOptions.COLD_START_WAIT_SECONDS);
        for (int i = 0; i < NODES; i++) {
            BrokerProcess node = nodes.get(i);
            assertTrue(node.awaitLog("joined by Kubernetes discovery (DNS lookup of " + SERVICE + ")", 1_000), node.tail());
            assertTrue(node.awaitLog("members [n1, n2, n3]", 60_000), "n" + (i + 1) + " sees all three:\n" + NodeJvms.tails(nodes));
            assertTrue(node.awaitLogMatching("[23] of 3 configured nodes in the cluster; serving from now on only while a majority", 30_000),
                    "n" + (i + 1) + " counts cluster-size 3 for its fence:\n" + node.tail());
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPorts.get(i) + "/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), "n" + (i + 1) + " ready: " + ready.body());
        }
        int probes = awaitOneCluster(nodes);
        System.out.printf("three nodes joined by DNS lookup of %s; n3's subscriber got a message after %d probes from n1%n", SERVICE, probes);
    }

    @Test
    void aWholeClusterRestartWaitsForClusterSizeNodesAndKeepsTheSessions() throws Exception {
        List<BrokerProcess> nodes = startCluster(30);
        awaitOneCluster(nodes); // kept sessions on n1 (publisher) and n3 (subscriber), in their journals
        for (BrokerProcess node : nodes) {
            node.kill();
        }
        NodeJvms.startAll(nodes);
        for (int i : new int[] {0, 2}) {
            assertTrue(nodes.get(i).awaitLogMatching("cold start of node n" + (i + 1) + " with nodes \\[n., n., n.\\]: 1 kept sessions here", 30_000),
                    "n" + (i + 1) + " decided its sessions with all three:\n" + NodeJvms.tails(nodes));
        }
        for (BrokerProcess node : nodes) {
            assertEquals(List.of(), node.logLines("not here after"), "no node waited out cold-start-wait:\n" + NodeJvms.tails(nodes));
        }
        int probes = awaitOneCluster(nodes); // the kept subscription, not made again, still routes from n1 to n3
        System.out.printf("whole cluster restarted by Kubernetes discovery; kept session on n3 got a message after %d probes from n1%n", probes);
    }

    /** Three nodes on 127.0.0.2-4, one cluster port, the Service name resolved from a hosts file; started one after another. */
    private List<BrokerProcess> startCluster(int coldStartWaitSeconds) throws Exception {
        Path hosts = folder.resolve("hosts");
        StringBuilder lines = new StringBuilder("127.0.0.1 localhost " + InetAddress.getLocalHost().getHostName() + "\n");
        for (int i = 0; i < NODES; i++) {
            lines.append(address(i)).append(' ').append(SERVICE).append('\n');
        }
        Files.writeString(hosts, lines);
        int clusterPort = FreePorts.next();
        String clusterName = "k8s-" + Long.toHexString(System.nanoTime());
        List<BrokerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int http = FreePorts.next();
            BrokerProcess node = closeables.add(new BrokerProcess(folder.resolve("n" + (i + 1))))
                    .withArgs("--node", "n" + (i + 1), "--cluster-name", clusterName, "--cluster-port", String.valueOf(clusterPort),
                            "--kubernetes-service-dns", SERVICE, "--cluster-size", String.valueOf(NODES), "--http-port", String.valueOf(http),
                            "--cold-start-wait", String.valueOf(coldStartWaitSeconds))
                    .withEnv("ONCEMQ_CLUSTER_HOST", address(i))
                    .withJvmOptions("-Djdk.net.hosts.file=" + hosts, "-Dhazelcast.local.localAddress=" + address(i),
                            "-Dhazelcast.socket.bind.any=false");
            node.start();
            nodes.add(node);
            httpPorts.add(http);
        }
        return nodes;
    }

    /**
     * One cluster, not three: QoS 0 probes published on n1 until one reaches a subscriber with a kept session on n3
     * (subscribed on its first connect only); returns the probes sent.
     */
    private int awaitOneCluster(List<BrokerProcess> nodes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        if (sub == null) {
            sub = closeables.add(new Link(nodes.get(2), "k8s-sub", 10));
            sub.connect(deadline);
            sub.client().subscribe("k8s/t", 1).waitForCompletion(10_000);
            pub = closeables.add(new Link(nodes.get(0), "k8s-pub", 10));
        }
        CountDownLatch received = new CountDownLatch(1);
        sub.onMessage(m -> received.countDown());
        sub.connect(deadline);
        pub.connect(deadline);
        int sent = 0;
        while (!received.await(200, TimeUnit.MILLISECONDS)) {
            assertTrue(System.nanoTime() < deadline && sent < 300, "no message from n1 reached n3's subscriber:\n" + NodeJvms.tails(nodes));
            pub.client().publish("k8s/t", "1".getBytes(), 0, false); // until n3's route reaches n1
            sent++;
        }
        return sent;
    }

    /** The address of node {@code i}: 127.0.0.2, 127.0.0.3, ... (all loopback on Linux). */
    private static String address(int i) {
        return "127.0.0." + (i + 2);
    }
}
