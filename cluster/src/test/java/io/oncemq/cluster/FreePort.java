package io.oncemq.cluster;

import java.io.IOException;
import java.net.ServerSocket;

/** A port free on this machine now, for a test's Hazelcast member. */
final class FreePort {

    private FreePort() {
    }

    static int next() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
