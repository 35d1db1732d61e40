package io.oncemq.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports for nodes that a test stops and starts again on the same ports, taken below the kernel's ephemeral
 * range: a port from there (what {@code new ServerSocket(0)} gives) can be drawn as the local port of any outgoing
 * connection while its node is down, and the node's restart then fails with "Address already in use" (a 1,000-kill
 * run, after 687 kills).
 */
public final class FreePorts {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int SPAN = 12_000;
    /** Handed out in this JVM, perhaps not bound yet by their node: never twice. */
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port nothing listens on now, below the ephemeral range, not handed out before in this JVM. */
    public static int next() throws IOException {
        int top = ephemeralLow();
        int bottom = Math.max(1024, top - SPAN);
        if (bottom >= top) {
            throw new IOException("the ephemeral port range starts at " + top + ": no room below it for test nodes");
        }
        for (int tries = 0; tries < 200; tries++) {
            int port = ThreadLocalRandom.current().nextInt(bottom, top);
            if (GIVEN.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IOException("no free port in " + bottom + "-" + (top - 1));
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int ephemeralLow() {
        try {
            // line by line: Files.readString reads a procfs file short (its size is 0)
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768; // Linux's default lower bound
        }
    }
}
