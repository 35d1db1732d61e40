package io.oncemq.broker.crash;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace per node (n1..nK), each with a veth into a bridge of this run in the root namespace, on
 * 10.213.X.0/24 (X free on this machine; nodes .1..K, the bridge .254, where this JVM's clients connect from),
 * so that one node's port can be blocked while its other ports stay open. Names carry a random tag: parallel or
 * leftover runs never clash. Needs root (CAP_NET_ADMIN) and iproute2; otherwise the test is skipped.
 *
 * <p>A blocked port drops every TCP segment from or to it on the node's veth, both ways or one way (what the node
 * sends, or what it receives), or only those between two nodes: a tc filter redirects them to a device of this
 * run that is down, which drops them (the kernels this runs on have tc's mirred action but not the plain drop
 * action, gact).
 */
final class NetworkNamespaces implements AutoCloseable {

    private static final String IP = tool("ip");
    private static final String TC = tool("tc");

    private final String tag;
    private final String subnet;
    private final int count;
    private final List<String> created = new ArrayList<>();

    private NetworkNamespaces(String tag, String subnet, int count) {
        this.tag = tag;
        this.subnet = subnet;
        this.count = count;
    }

    /** Creates {@code count} namespaces, or skips the test (Assumptions) when this machine does not let it. */
    static NetworkNamespaces create(int count) throws IOException, InterruptedException {
        String tag = String.format("%05x", new SecureRandom().nextInt(1 << 20));
        String probe = "oncemq-" + tag + "-probe";
        String why = run(IP, "netns", "add", probe);
        Assumptions.assumeTrue(why == null, () -> "network namespaces cannot be made here (root and iproute2 needed): " + why);
        run(IP, "netns", "del", probe);
        NetworkNamespaces net = new NetworkNamespaces(tag, freeSubnet(), count);
        try {
            net.build();
        } catch (IOException | InterruptedException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** A 10.213.X.0/24 prefix ({@code 10.213.X.}) no interface of this machine has an address in. */
    private static String freeSubnet() throws IOException, InterruptedException {
        String addresses = output(IP, "-o", "-4", "addr", "show");
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 100; i++) {
            String prefix = "10.213." + random.nextInt(254) + ".";
            if (!addresses.contains(" " + prefix)) {
                return prefix;
            }
        }
        throw new IllegalStateException("no free 10.213.X.0/24 subnet: " + addresses);
    }

    private void build() throws IOException, InterruptedException {
        must(IP, "link", "add", bridge(), "type", "bridge");
        created.add("link:" + bridge());
        must(IP, "addr", "add", subnet + "254/24", "dev", bridge());
        must(IP, "link", "set", bridge(), "up");
        must(IP, "link", "add", sink(), "type", "ifb"); // stays down: what is redirected to it is dropped
        created.add("link:" + sink());
        for (int i = 0; i < count; i++) {
            must(IP, "netns", "add", namespace(i));
            created.add("netns:" + namespace(i));
            must(IP, "link", "add", veth(i), "type", "veth", "peer", "name", "eth0", "netns", namespace(i));
            created.add("link:" + veth(i));
            must(IP, "link", "set", veth(i), "master", bridge(), "up");
            must(IP, "-n", namespace(i), "addr", "add", address(i) + "/24", "dev", "eth0");
            must(IP, "-n", namespace(i), "link", "set", "eth0", "up");
            must(IP, "-n", namespace(i), "link", "set", "lo", "up");
        }
    }

    /** Node i's address (i from 0), where it binds and where clients and the other nodes reach it. */
    String address(int i) {
        return subnet + (i + 1);
    }

    /** The command prefix that runs a program in node i's namespace: {@code ip netns exec} execs it, keeping the pid. */
    List<String> launcher(int i) {
        return List.of(IP, "netns", "exec", namespace(i));
    }

    /** Which of a node's segments a block drops: on its veth, tc's ingress is what the node sends, egress what it receives. */
    enum Way {
        /** What the node sends: the others receive nothing from it, it still hears them. */
        SENT("ingress"),
        /** What the node receives: it hears nothing, the others still receive what it sends. */
        RECEIVED("egress");

        private final String tcDirection;

        Way(String tcDirection) {
            this.tcDirection = tcDirection;
        }
    }

    /** Drops every TCP segment from or to {@code port} of node i, both ways, until {@link #unblock}. */
    void block(int i, int port) throws IOException, InterruptedException {
        block(i, port, Way.SENT, Way.RECEIVED);
    }

    /** Drops the TCP segments from or to {@code port} that node i sends or receives (as {@code ways} say), until {@link #unblock}. */
    void block(int i, int port, Way... ways) throws IOException, InterruptedException {
        must(TC, "qdisc", "add", "dev", veth(i), "clsact");
        for (Way way : ways) {
            for (String end : List.of("sport", "dport")) {
                drop(i, way, "match", "ip", end, String.valueOf(port), "0xffff");
            }
        }
    }

    /**
     * Drops every TCP segment from or to {@code port} between nodes i and j, both ways, until {@link #unblock}(i);
     * each of them still reaches the other nodes.
     */
    void blockLink(int i, int j, int port) throws IOException, InterruptedException {
        must(TC, "qdisc", "add", "dev", veth(i), "clsact");
        for (String end : List.of("sport", "dport")) {
            drop(i, Way.SENT, "match", "ip", "dst", address(j) + "/32", "match", "ip", end, String.valueOf(port), "0xffff");
            drop(i, Way.RECEIVED, "match", "ip", "src", address(j) + "/32", "match", "ip", end, String.valueOf(port), "0xffff");
        }
    }

    /** A tc filter on node i's veth that sends the TCP segments matching {@code matches} to the sink, which drops them. */
    private void drop(int i, Way way, String... matches) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TC, "filter", "add", "dev", veth(i), way.tcDirection, "protocol", "ip", "u32",
                "match", "ip", "protocol", "6", "0xff"));
        command.addAll(List.of(matches));
        command.addAll(List.of("action", "mirred", "egress", "redirect", "dev", sink()));
        must(command.toArray(String[]::new));
    }

    /** Lets node i's traffic through again. */
    void unblock(int i) throws IOException, InterruptedException {
        must(TC, "qdisc", "del", "dev", veth(i), "clsact");
    }

    private String namespace(int i) {
        return "oncemq-" + tag + "-n" + (i + 1);
    }

    /** Interface names have at most 15 characters. */
    private String veth(int i) {
        return "oq" + tag + "n" + (i + 1);
    }

    private String bridge() {
        return "oq" + tag + "br";
    }

    private String sink() {
        return "oq" + tag + "sk";
    }

    /** Removes what {@link #create} made, last first (a namespace's veth goes with it); the nodes must have ended. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<String> failures = new ArrayList<>();
        for (int k = created.size() - 1; k >= 0; k--) {
            String[] what = created.get(k).split(":", 2);
            String failure = what[0].equals("netns") ? run(IP, "netns", "del", what[1]) : run(IP, "link", "del", what[1]);
            if (failure != null && !(what[0].equals("link") && what[1].startsWith("oq" + tag + "n"))) {
                failures.add(failure); // a veth may already be gone with its namespace
            }
        }
        created.clear();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("network namespaces not all removed: " + failures);
        }
    }

    /** iproute2's tools are in /usr/sbin, which a non-login PATH may lack. */
    private static String tool(String name) {
        java.nio.file.Path sbin = java.nio.file.Path.of("/usr/sbin", name);
        return java.nio.file.Files.isExecutable(sbin) ? sbin.toString() : name;
    }

    private static void must(String... command) throws IOException, InterruptedException {
        String failure = run(command);
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Runs the command; null when it succeeded, else what it printed. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notFound) {
            return String.join(" ", command) + ": " + notFound.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + ": no answer in 30 s";
        }
        return p.exitValue() == 0 ? null : String.join(" ", command) + ": " + out;
    }

    private static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
