package io.oncemq.broker;

import io.oncemq.cluster.ClusterOptions;
import io.oncemq.cluster.KubernetesDiscovery;
import io.oncemq.journal.Durability;
import io.vertx.core.http.ClientAuth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The node's settings: defaults, overridden by the config file, by {@code ONCEMQ_*} environment variables, by command-line flags.
 *
 * @param port                  plain TCP MQTT listener port ({@code port}, default 1883; 0: any free port;
 *                              {@code off}: no plain listener, {@link Listeners#OFF})
 * @param host                  address the listeners bind ({@code host}, default 0.0.0.0)
 * @param dataDir               folder of the journal ({@code data}, default ./data)
 * @param durability            when a journal append counts as durable ({@code durability}: page-cache or fsync)
 * @param eventLoops            event-loop threads, one MQTT verticle each ({@code event-loops}, default the number of cores)
 * @param maxInflight           unacknowledged QoS 1/2 PUBLISHes towards one client ({@code max-inflight}, default 100)
 * @param maxQueued             messages queued for one session beyond its window ({@code max-queued}, default 10000)
 * @param maxPacketSize         largest inbound MQTT packet in bytes ({@code max-packet-size}, default 1 MiB, at most 3 MiB)
 * @param maxClientIdLength     longest accepted client identifier ({@code max-client-id-length}, default 256)
 * @param connectTimeoutSeconds a socket that sends no CONNECT within this is closed ({@code connect-timeout}, default 10)
 * @param compactAfterRecords   journal records between compacting snapshots ({@code compact-after-records}, default 1000000)
 * @param receiveMaximum        unacknowledged QoS 1/2 PUBLISHes a client may send ({@code receive-maximum}, default 100)
 * @param topicAliasMaximum     topic aliases a client may use ({@code topic-alias-maximum}, default 10)
 * @param maxConnections        open MQTT connections on this node ({@code max-connections}, default 1000000)
 * @param maxTopicLength        longest topic name or filter in UTF-8 bytes ({@code max-topic-length}, default 65535)
 * @param maxTopicLevels        most levels in a topic name or filter ({@code max-topic-levels}, default 64)
 * @param maxSubscriptions      subscriptions one session may hold ({@code max-subscriptions}, default 10000)
 * @param maxKeepAlive          longest keep-alive a 5.0 client may use, told as Server Keep Alive ({@code max-keep-alive}, 0 = any)
 * @param passwordFile          users and their salted PBKDF2 hashes, written by {@code oncemq passwd} ({@code password-file}); null: no logins checked
 * @param aclFile               who may read and write which topics, in Mosquitto's acl_file form ({@code acl-file}); null: everything allowed
 * @param allowAnonymous        whether clients without a user name are accepted ({@code allow-anonymous}: true or false); null when not set:
 *                              from loopback addresses only without a password-file, never with one (as Mosquitto 2.0)
 * @param cluster               how to join a cluster ({@code members} or {@code kubernetes-service-dns} with {@code cluster-size},
 *                              {@code node}, {@code cluster-name}, {@code cluster-host}, {@code cluster-port}, {@code cold-start-wait},
 *                              {@code backup-count});
 *                              null without {@code members} or {@code kubernetes-service-dns}: a single node, no Hazelcast at all
 * @param listeners             the TLS, WebSocket and secure WebSocket listeners, each off unless its port is set
 *                              ({@code tls-port}, {@code ws-port}, {@code wss-port}: a port number, 0 for any free one,
 *                              or {@code off}), and the TLS keys {@code tls-cert}, {@code tls-key}, {@code tls-client-ca},
 *                              {@code tls-client-auth}, {@code tls-use-cn-as-username}; see {@link Listeners}
 * @param monitor               the HTTP listener (metrics, health, admin API, status page) and the $SYS topics
 *                              ({@code http-port}, {@code http-host}, {@code admin-token}, {@code sys-interval})
 * @param shutdownGraceSeconds  on SIGTERM, how long connections may finish the handshakes in flight before they are
 *                              closed ({@code shutdown-grace}, default 2); see {@link Node#stop}
 */
public record Config(int port, String host, Path dataDir, Durability durability, int eventLoops,
                     int maxInflight, int maxQueued, int maxPacketSize, int maxClientIdLength,
                     int connectTimeoutSeconds, long compactAfterRecords, int receiveMaximum, int topicAliasMaximum,
                     int maxConnections, int maxTopicLength, int maxTopicLevels, int maxSubscriptions,
                     int maxKeepAlive, Path passwordFile, Path aclFile, Boolean allowAnonymous, ClusterOptions cluster,
                     Listeners listeners, MonitorOptions monitor, int shutdownGraceSeconds) {

    /** Largest max-packet-size: a message, its topic and properties must fit one journal record. */
    public static final int MAX_PACKET_SIZE = 3 * 1024 * 1024;

    /** Every key a config file, environment variable ({@link EnvironmentSettings}) or flag may set. */
    public static final List<String> KEYS = List.of("port", "host", "data", "durability", "event-loops",
            "max-inflight", "max-queued", "max-packet-size", "max-client-id-length", "connect-timeout",
            "compact-after-records", "receive-maximum", "topic-alias-maximum", "max-connections", "max-topic-length",
            "max-topic-levels", "max-subscriptions", "max-keep-alive",
            "password-file", "acl-file", "allow-anonymous",
            "node", "cluster-name", "cluster-host", "cluster-port", "members",
            "kubernetes-service-dns", "cluster-size", "cold-start-wait", "backup-count",
            "tls-port", "ws-port", "wss-port", "tls-cert", "tls-key", "tls-client-ca", "tls-client-auth",
            "tls-use-cn-as-username",
            "http-port", "http-host", "admin-token", "sys-interval",
            "shutdown-grace");

    public static Config defaults() {
        return from(Map.of());
    }

    /** Builds a config from text settings by key; an unknown key or a bad value is a {@link ConfigException}. */
    public static Config from(Map<String, String> settings) {
        for (String key : settings.keySet()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown key '" + key + "': expected one of " + new TreeSet<>(KEYS));
            }
        }
        Settings s = new Settings(settings);
        return new Config(
                s.port("port", 1883),
                s.text("host", "0.0.0.0"),
                Path.of(s.text("data", "data")),
                s.durability(),
                s.intIn("event-loops", Runtime.getRuntime().availableProcessors(), 1, 1024, "a whole number 1-1024"),
                s.intIn("max-inflight", 100, 1, 65535, "a whole number 1-65535"),
                s.intIn("max-queued", 10_000, 0, Integer.MAX_VALUE, "a whole number >= 0"),
                s.intIn("max-packet-size", 1024 * 1024, 16, MAX_PACKET_SIZE, "bytes, 16-" + MAX_PACKET_SIZE),
                s.intIn("max-client-id-length", 256, 23, 65535, "a whole number 23-65535"),
                s.intIn("connect-timeout", 10, 1, 3600, "seconds, 1-3600"),
                s.intIn("compact-after-records", 1_000_000, 1000, Integer.MAX_VALUE, "a whole number >= 1000"),
                s.intIn("receive-maximum", 100, 1, 65535, "a whole number 1-65535"),
                s.intIn("topic-alias-maximum", 10, 0, 65535, "a whole number 0-65535"),
                s.intIn("max-connections", 1_000_000, 1, Integer.MAX_VALUE, "a whole number >= 1"),
                s.intIn("max-topic-length", 65535, 1, 65535, "bytes, 1-65535"),
                s.intIn("max-topic-levels", 64, 1, 65535, "a whole number 1-65535"),
                s.intIn("max-subscriptions", 10_000, 1, Integer.MAX_VALUE, "a whole number >= 1"),
                s.intIn("max-keep-alive", 0, 0, 65535, "seconds, 0-65535 (0: no limit)"),
                s.path("password-file"),
                s.path("acl-file"),
                s.allowAnonymous(),
                s.cluster(),
                s.listeners(),
                s.monitor(),
                s.intIn("shutdown-grace", 2, 0, 60, "seconds, 0-60"));
    }

    /** The port of a listener, {@link Listeners#OFF} when it is not opened. */
    public int port(Listener listener) {
        return switch (listener) {
            case TCP -> port;
            case TLS -> listeners.tlsPort();
            case WS -> listeners.wsPort();
            case WSS -> listeners.wssPort();
        };
    }

    /** Parses one setting at a time, naming the key in every error. */
    private record Settings(Map<String, String> values) {

        String text(String key, String fallback) {
            String v = values.get(key);
            if (v != null && v.isBlank()) {
                throw new ConfigException("key '" + key + "' is empty: expected a value");
            }
            return v == null ? fallback : v.trim();
        }

        int intIn(String key, int fallback, int min, int max, String form) {
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below with the expected form
            }
            throw new ConfigException("key '" + key + "' has value '" + v + "': expected " + form);
        }

        Path path(String key) {
            String v = text(key, null);
            return v == null ? null : Path.of(v);
        }

        /** Anonymous access refused with no password file would let no client in at all. */
        Boolean allowAnonymous() {
            String v = text("allow-anonymous", null);
            if (v == null) {
                return null;
            }
            if (!v.equals("true") && !v.equals("false")) {
                throw new ConfigException("key 'allow-anonymous' has value '" + v + "': expected true or false");
            }
            if (v.equals("false") && values.get("password-file") == null) {
                throw new ConfigException("key 'allow-anonymous' is false but no 'password-file' is set: expected a password-file"
                        + " (java -jar oncemq.jar passwd FILE USER) so that some client can log in");
            }
            return Boolean.valueOf(v);
        }

        /** The cluster to join, or null when neither {@code members} nor {@code kubernetes-service-dns} is given. */
        ClusterOptions cluster() {
            String list = values.get("members");
            String host = text("cluster-host", "127.0.0.1");
            int port = intIn("cluster-port", 5701, 1, 65535, "a port number 1-65535");
            String name = text("node", host + ":" + port);
            if (name.contains(",")) { // lists of node names are comma-separated (the holders of a journal's copies)
                throw new ConfigException("key 'node' has value '" + name + "': expected a name without ','");
            }
            String clusterName = text("cluster-name", "oncemq");
            int coldStartWait = intIn("cold-start-wait", ClusterOptions.COLD_START_WAIT_SECONDS, 0, 3600, "seconds, 0-3600");
            int backups = intIn("backup-count", ClusterOptions.BACKUP_COUNT, 1, ClusterOptions.MAX_BACKUP_COUNT,
                    "a number of copies 1-" + ClusterOptions.MAX_BACKUP_COUNT);
            KubernetesDiscovery kubernetes = kubernetes(list != null);
            if (kubernetes != null) {
                return new ClusterOptions(name, clusterName, host, port, List.of(), coldStartWait, kubernetes, backups);
            }
            if (list == null) {
                return null;
            }
            List<String> members = new ArrayList<>();
            for (String member : list.split(",")) {
                String m = member.trim();
                int colon = m.lastIndexOf(':');
                boolean valid = colon > 0;
                if (valid) {
                    try {
                        int p = Integer.parseInt(m.substring(colon + 1));
                        valid = p >= 1 && p <= 65535;
                    } catch (NumberFormatException e) {
                        valid = false;
                    }
                }
                if (!valid) {
                    throw new ConfigException("key 'members' has value '" + list + "': expected host:port,host:port,...");
                }
                members.add(m);
            }
            return new ClusterOptions(name, clusterName, host, port, members, coldStartWait, null, backups);
        }

        /**
         * Hazelcast's Kubernetes discovery by DNS lookup, or null when {@code kubernetes-service-dns} is not set. Without
         * a member list only {@code cluster-size} tells the majority and what a cold start waits for, and the pods reach
         * this node only at the address it announces ({@code cluster-host}, the pod's IP): both must be given.
         */
        KubernetesDiscovery kubernetes(boolean membersGiven) {
            String dns = text("kubernetes-service-dns", null);
            Integer size = values.containsKey("cluster-size")
                    ? intIn("cluster-size", 0, 1, 1000, "a whole number 1-1000 (the StatefulSet's replicas)") : null;
            if (dns == null) {
                if (size != null) {
                    throw new ConfigException("key 'cluster-size' is set but 'kubernetes-service-dns' is not: expected it only with"
                            + " Kubernetes discovery (with 'members' the cluster size is counted from the list)");
                }
                return null;
            }
            if (membersGiven) {
                throw new ConfigException("key 'kubernetes-service-dns' is set and so is 'members': expected one of them"
                        + " (Kubernetes discovery finds the members itself)");
            }
            if (dns.contains(":") || dns.contains("/")) {
                throw new ConfigException("key 'kubernetes-service-dns' has value '" + dns + "': expected the headless Service's"
                        + " DNS name, such as oncemq-headless.oncemq.svc.cluster.local (the port is 'cluster-port')");
            }
            if (size == null) {
                throw new ConfigException("key 'cluster-size' is not set but 'kubernetes-service-dns' is: expected the number of"
                        + " nodes the cluster is meant to have (the StatefulSet's replicas), which split-brain protection counts"
                        + " a majority of and a cold start waits for");
            }
            if (!values.containsKey("cluster-host")) {
                throw new ConfigException("key 'cluster-host' is not set but 'kubernetes-service-dns' is: expected the address"
                        + " the other pods reach this node on (the pod's IP, status.podIP through the downward API)");
            }
            return new KubernetesDiscovery(dns, size);
        }

        /** A port number, 0 for any free one, or off (which YAML reads as false when unquoted). */
        int port(String key, int fallback) {
            String v = values.get(key);
            if (v != null && (v.trim().equals("off") || v.trim().equals("false"))) {
                return Listeners.OFF;
            }
            return intIn(key, fallback, 0, 65535, "a port number 0-65535 (0: any free port) or off");
        }

        /** The optional listeners; TLS keys only with a TLS port, and a TLS port only with its certificate and key. */
        Listeners listeners() {
            int tls = port("tls-port", Listeners.OFF);
            int ws = port("ws-port", Listeners.OFF);
            int wss = port("wss-port", Listeners.OFF);
            int[] ports = {port("port", 1883), tls, ws, wss};
            Listener[] kinds = Listener.values();
            boolean any = false;
            for (int i = 0; i < ports.length; i++) {
                any |= ports[i] != Listeners.OFF;
                for (int j = 0; j < i; j++) {
                    if (ports[i] > 0 && ports[i] == ports[j]) {
                        throw new ConfigException("key '" + kinds[i].key() + "' has value " + ports[i] + ", the port of '"
                                + kinds[j].key() + "': expected a port of its own");
                    }
                }
            }
            if (!any) {
                throw new ConfigException("key 'port' is off and so are 'tls-port', 'ws-port' and 'wss-port': expected at least one listener");
            }
            boolean tlsOn = tls != Listeners.OFF || wss != Listeners.OFF;
            Path cert = path("tls-cert");
            Path key = path("tls-key");
            Path ca = path("tls-client-ca");
            ClientAuth auth = clientAuth(ca);
            boolean cn = bool("tls-use-cn-as-username", false);
            if (!tlsOn) {
                for (String k : List.of("tls-cert", "tls-key", "tls-client-ca", "tls-client-auth", "tls-use-cn-as-username")) {
                    if (values.containsKey(k)) {
                        throw new ConfigException("key '" + k + "' is set but neither 'tls-port' nor 'wss-port' is: expected a TLS port for it");
                    }
                }
            } else if (cert == null || key == null) {
                throw new ConfigException("key '" + (cert == null ? "tls-cert" : "tls-key") + "' is not set but '"
                        + (tls != Listeners.OFF ? "tls-port" : "wss-port") + "' is: expected the PEM file of the server's "
                        + (cert == null ? "certificate chain" : "private key (PKCS#8)"));
            }
            if (cn && auth != ClientAuth.REQUIRED) {
                throw new ConfigException("key 'tls-use-cn-as-username' is true but 'tls-client-auth' is not require:"
                        + " expected tls-client-ca and tls-client-auth: require, so that every TLS client has a certificate");
            }
            return new Listeners(tls, ws, wss, cert, key, ca, auth, cn);
        }

        /** require by default once a client CA is given; request or require make no sense without one. */
        private ClientAuth clientAuth(Path ca) {
            String v = text("tls-client-auth", ca == null ? "none" : "require");
            ClientAuth auth = switch (v) {
                case "none" -> ClientAuth.NONE;
                case "request" -> ClientAuth.REQUEST;
                case "require" -> ClientAuth.REQUIRED;
                default -> throw new ConfigException("key 'tls-client-auth' has value '" + v + "': expected none, request or require");
            };
            if (auth != ClientAuth.NONE && ca == null) {
                throw new ConfigException("key 'tls-client-auth' is " + v + " but 'tls-client-ca' is not set:"
                        + " expected the PEM file of the CA that client certificates chain to");
            }
            if (auth == ClientAuth.NONE && ca != null) {
                throw new ConfigException("key 'tls-client-ca' is set but 'tls-client-auth' is none: expected request or require");
            }
            return auth;
        }

        boolean bool(String key, boolean fallback) {
            String v = text(key, String.valueOf(fallback));
            if (!v.equals("true") && !v.equals("false")) {
                throw new ConfigException("key '" + key + "' has value '" + v + "': expected true or false");
            }
            return Boolean.parseBoolean(v);
        }

        /** The HTTP listener and $SYS topics; an admin token is only useful (and only accepted) with an HTTP port. */
        MonitorOptions monitor() {
            int port = intIn("http-port", -1, 0, 65535, "a port number 0-65535");
            String token = text("admin-token", null);
            if (token != null && token.length() < 16) {
                throw new ConfigException("key 'admin-token' is " + token.length() + " characters: expected at least 16 (a random secret)");
            }
            return new MonitorOptions(port, text("http-host", "0.0.0.0"), token,
                    intIn("sys-interval", 10, 0, 86400, "seconds, 0-86400 (0: no $SYS topics)"));
        }

        Durability durability() {
            String v = text("durability", "page-cache");
            return switch (v) {
                case "page-cache" -> Durability.PAGE_CACHE;
                case "fsync" -> Durability.FSYNC;
                default -> throw new ConfigException("key 'durability' has value '" + v + "': expected page-cache or fsync");
            };
        }
    }

    /** A mutable map for layering sources (file, environment, then flags) before {@link #from}. */
    public static Map<String, String> layers() {
        return new HashMap<>();
    }
}
