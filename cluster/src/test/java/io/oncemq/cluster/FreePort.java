package io.oncemq.cluster;

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
 * A free port for a test's Hazelcast member, below the kernel's ephemeral range: a member started first connects to
 * the others' ports from ephemeral ports, and could draw one of those very ports before its member binds it ("Port
 * ... is already in use", seen in FenceTest). The broker module's tests have the same helper (FreePorts): test
 * sources are not shared between modules.
 */
final class FreePort {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePort() {
    }

    static int next() throws IOException {
        int top = ephemeralLow();
        int bottom = Math.max(1024, top - 12_000);
        for (int tries = 0; tries < 200 && bottom < top; tries++) {
            int port = ThreadLocalRandom.current().nextInt(bottom, top);
            if (GIVEN.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IOException("no free port below the ephemeral range (" + top + ")");
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
