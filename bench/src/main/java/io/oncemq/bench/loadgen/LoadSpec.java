package io.oncemq.bench.loadgen;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * One load run: scenario, clients, messages, size, QoS, window, optional fixed rate, time limit, servers.
 *
 * @param ratePerPublisher messages per second per publisher, 0 for as fast as the window allows
 * @param sessionExpiry    MQTT 5 session expiry of every client: 0 for clean sessions, more for kept (journaled) ones
 */
public record LoadSpec(Scenario scenario, int publishers, int subscribers, int messages, int size, int qos, int window,
                       double ratePerPublisher, int timeoutSeconds, List<String> servers, String label, long sessionExpiry) {

    public static final String USAGE = """
            usage: java -jar oncemq-loadgen.jar [--scenario pairs|fan-in|fan-out|shared] [--publishers P] [--subscribers S]
                   [--messages N per publisher] [--size B] [--qos 0|1|2] [--window W] [--rate msgs/s per publisher]
                   [--timeout seconds] [--servers host:port,...] [--session-expiry S] [--broker-pid PID] [--label NAME] [--csv FILE] [--allow-remote]
                   [--tls-ca CA.pem: connect over TLS, trusting these certificates]""";

    public LoadSpec {
        if (publishers < 1 || subscribers < 1 || messages < 1 || window < 1 || qos < 0 || qos > 2 || size < 16) {
            throw new IllegalArgumentException("publishers, subscribers, messages and window must be >= 1, qos 0-2, size >= 16");
        }
        if (scenario == Scenario.PAIRS && publishers != subscribers) {
            throw new IllegalArgumentException("pairs needs as many publishers as subscribers");
        }
        if (scenario == Scenario.FAN_OUT && publishers != 1) {
            throw new IllegalArgumentException("fan-out has one publisher");
        }
        if (scenario == Scenario.FAN_IN && subscribers != 1) {
            throw new IllegalArgumentException("fan-in has one subscriber");
        }
    }

    /** Total messages the subscribers should receive. */
    public long expected() {
        return (long) publishers * messages * scenario.receiversPerMessage(subscribers);
    }

    /** Refuses servers outside 127.0.0.0/8 unless allowed: a load test only targets this machine. */
    public void checkLoopback(boolean allowRemote) {
        if (allowRemote) {
            return;
        }
        for (String server : servers) {
            String host = server.substring(0, server.lastIndexOf(':'));
            try {
                if (!InetAddress.getByName(host).isLoopbackAddress()) {
                    throw new IllegalArgumentException(server + " is not a loopback address: pass --allow-remote to load it");
                }
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("unknown host " + host);
            }
        }
    }

    static List<String> servers(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                out.add(s.contains(":") ? s.trim() : s.trim() + ":1883");
            }
        }
        return out;
    }
}
