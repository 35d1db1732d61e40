package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cluster of node JVMs n1..nK on free ports for the crash tests, and what they logged. */
final class NodeJvms {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

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

    /**
     * Which of these nodes hold a session (connected or kept) of each client id, from each node's admin API; a session
     * that moved on and still relays for 10 s counts as {@code node>newNode}.
     */
    static Map<String, List<String>> sessionHolders(List<BrokerProcess> nodes, List<String> names) throws Exception {
        Map<String, List<String>> holders = new TreeMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            List<String> lines = nodes.get(i).logLines("HTTP listener on ");
            String line = lines.get(lines.size() - 1); // this start's
            String port = line.substring(line.indexOf("HTTP listener on ")).replaceFirst("HTTP listener on [^:]+:(\\d+):.*", "$1");
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/clients"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r::body);
            for (Object o : new JsonArray(r.body())) {
                JsonObject session = (JsonObject) o;
                String movedTo = session.getString("movedTo");
                holders.computeIfAbsent(session.getString("clientId"), k -> new ArrayList<>())
                        .add(movedTo == null ? names.get(i) : names.get(i) + ">" + movedTo);
            }
        }
        return holders;
    }

    /** E4/E5: each client's session lives on exactly one live node, never on two (a stale copy left behind) or none. */
    static void assertOneHolderEach(List<String> clients, Map<String, List<String>> holders, Supplier<String> logs) {
        for (String c : clients) {
            List<String> held = holders.getOrDefault(c, List.of());
            List<String> serving = held.stream().filter(h -> !h.contains(">")).toList();
            assertEquals(1, serving.size(), () -> c + " held by " + held + "\n" + logs.get());
            // a session that moved on may still relay for 10 s, only towards the node that holds it now
            assertTrue(held.stream().allMatch(h -> !h.contains(">") || h.endsWith(">" + serving.get(0))),
                    () -> c + " held by " + held + "\n" + logs.get());
        }
    }
}
