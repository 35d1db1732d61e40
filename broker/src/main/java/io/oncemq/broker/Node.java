package io.oncemq.broker;

import io.oncemq.broker.auth.AccessControl;
import io.oncemq.broker.server.Connection;
import io.oncemq.cluster.Fence;
import io.oncemq.broker.cluster.ClusterNode;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.metrics.BrokerCounters;
import io.oncemq.broker.metrics.Metrics;
import io.oncemq.broker.metrics.SysTopics;
import io.oncemq.broker.http.HttpVerticle;
import io.oncemq.broker.retain.RetainedMessages;
import io.oncemq.broker.server.ConnectionCount;
import io.oncemq.broker.server.MqttVerticle;
import io.oncemq.broker.server.TlsMaterial;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.topic.TopicTree;
import io.oncemq.journal.ChronicleJournal;
import io.oncemq.journal.Journal;
import io.oncemq.journal.JournalOptions;
import io.oncemq.journal.JournalState;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/** One broker node: wires the journal, sessions, routing and the MQTT listeners, and runs them. */
public final class Node {

    private static final Logger log = LoggerFactory.getLogger(Node.class);
    private static final long START_TIMEOUT_SECONDS = 120;

    private final Config config;
    private Journal journal;
    private ClusterNode cluster;
    private JournalBatcher.Forwarding forwarding;
    private Vertx vertx;
    private PostOffice postOffice;
    private SessionRegistry sessions;
    private ConnectionCount connections;
    private AccessControl access;
    private TlsMaterial tls;
    /** The bound port of each listener by ordinal, -1 until bound or when off. */
    private final AtomicIntegerArray ports = new AtomicIntegerArray(new int[]{-1, -1, -1, -1});
    private volatile boolean stopping;
    private final BrokerCounters counters = new BrokerCounters();
    private final long startedAt = System.currentTimeMillis();
    private volatile Metrics metrics;
    private volatile boolean journalReplayed;
    private volatile boolean clusterJoined;
    private volatile boolean listenersUp;
    private volatile int httpPort = -1;
    private String mqttDeployment;
    private Context homeContext;
    private JournalBatcher home;
    private final CountDownLatch stopped = new CountDownLatch(1);

    public Node(Config config) {
        this.config = config;
    }

    /** Replays the journal, restores sessions, then opens the listeners; returns once connections are accepted. */
    public Node start() {
        access = AccessControl.load(config); // a bad password-file or acl-file stops start-up before anything opens
        tls = TlsMaterial.load(config.listeners()); // so does a bad tls-cert, tls-key or tls-client-ca
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new ConfigException("key 'data': cannot create folder " + config.dataDir() + " (" + e.getMessage() + ")");
        }
        ChronicleJournal chronicle = ChronicleJournal.open(config.dataDir().resolve("journal"), config.durability(),
                JournalOptions.defaults().withCompactAfterRecords(config.compactAfterRecords()));
        chronicle.onFailure(t -> {
            log.error("journal failed: stopping the node so nothing is acknowledged that is not durable", t);
            Runtime.getRuntime().halt(70);
        });
        journal = chronicle;
        if (config.cluster() != null) {
            try {
                cluster = ClusterNode.join(config.cluster(), config.dataDir());
            } catch (RuntimeException e) {
                journal.close();
                throw new ConfigException("key 'cluster-port': no cluster member on " + config.cluster().host() + ":"
                        + config.cluster().port() + " (" + e.getMessage() + ")");
            }
            journal = cluster.replicate(chronicle);
        }
        clusterJoined = true; // or alone: nothing to join
        JournalState state = journal.replayed();
        journalReplayed = true;
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()));
        vertx.exceptionHandler(Node::unhandled);
        if (config.monitor().http()) {
            // up before the MQTT listeners, so /health/ready answers "not ready" while sessions are restored
            try {
                await(vertx.deployVerticle(new HttpVerticle(this)));
            } catch (RuntimeException e) {
                stop();
                throw new ConfigException("key 'http-port': cannot listen on " + config.monitor().httpHost() + ":"
                        + config.monitor().httpPort() + " (" + e.getMessage() + ")");
            }
        }
        access.start(vertx);
        homeContext = vertx.getOrCreateContext();
        postOffice = new PostOffice(new TopicTree<>(), new RetainedMessages(), state.maxMessageId(), config.maxQueued());
        if (cluster != null) {
            forwarding = cluster.route(postOffice, vertx);
            cluster.claimReplayed(state, journal);
        }
        home = new JournalBatcher(journal, homeContext, forwarding, counters);
        vertx.setPeriodic(5_000, id -> homeContext.runOnContext(v -> home.reportStall(20_000_000_000L)));
        sessions = new SessionRegistry(vertx, postOffice, config.maxInflight());
        connections = new ConnectionCount(config.maxConnections());
        Recovery recovery = new Recovery(postOffice, sessions, home);
        int restored = await(Future.future(p -> homeContext.runOnContext(v -> p.complete(recovery.restore(state)))));
        if (cluster != null) {
            cluster.awaitRoutesOfColdStart();
        }
        await(Future.<Void>future(p -> homeContext.runOnContext(v -> {
            recovery.resume(state);
            p.complete();
        })));
        if (cluster != null) {
            cluster.serve(postOffice, sessions, home, state, vertx, Connection::closeTakenOver);
        }
        metrics = new Metrics(nodeName(), new Metrics.Sources(counters, access.counters(), connections, sessions, postOffice,
                chronicle, cluster));
        mqttDeployment = await(vertx.deployVerticle(() -> new MqttVerticle(this), new DeploymentOptions().setInstances(config.eventLoops())));
        listenersUp = true;
        if (config.monitor().sysInterval() > 0) {
            new SysTopics(this, home).start(vertx, config.monitor().sysInterval());
        }
        log.info("OnceMQ accepting MQTT connections on {} (data {}, durability {}, {} sessions restored, {} retained)",
                listenerList(), config.dataDir().toAbsolutePath(), config.durability(), restored,
                postOffice.retained().size());
        return this;
    }

    /**
     * Completes on {@code loop} once this node may serve the client id: at once for a node alone; in a
     * cluster, after any other node that served it closed its connection and handed its session over (E4).
     */
    public Future<Void> claim(String clientId, JournalBatcher loop) {
        return cluster == null ? Future.succeededFuture() : cluster.claim(clientId, loop);
    }

    /** Graceful stop ({@link GracefulStop}): not ready at once, then the parts start-up reached, in order. A second call waits for the first. */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                awaitStopped();
                return;
            }
            stopping = true;
        }
        try {
            new GracefulStop(config.shutdownGraceSeconds(), vertx, mqttDeployment, homeContext, home, fence(), journal, cluster).run();
        } finally {
            stopped.countDown();
        }
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** vertx-mqtt throws when a packet comes before CONNECT and closes that socket: one line; anything else is a bug. */
    private static void unhandled(Throwable t) {
        if (t instanceof IllegalArgumentException && t.getStackTrace().length > 0
                && t.getStackTrace()[0].getClassName().startsWith("io.vertx.mqtt")) {
            // a packet before CONNECT (closed at once) or one vertx-mqtt cannot read (closed by connect-timeout)
            log.warn("bad packet before CONNECT: {}", t.getMessage());
        } else {
            log.error("uncaught exception on an event loop", t);
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }

    /**
     * Ready for clients (/health/ready): MQTT listeners up, journal replayed, cluster joined, not stopping, and
     * the split-brain fence's lease held (a node that no majority confirmed within the lease writes to no client).
     */
    public boolean ready() {
        return listenersUp && journalReplayed && clusterJoined && !stopping && quorum();
    }

    /** Whether a majority of the configured nodes confirms this node now; true without a fence (alone, or two nodes). */
    public boolean quorum() {
        Fence f = fence();
        return f == null || f.serving();
    }

    public boolean listenersUp() {
        return listenersUp;
    }

    public boolean journalReplayed() {
        return journalReplayed;
    }

    public boolean clusterJoined() {
        return clusterJoined;
    }

    /** The node's name: its cluster name, or "local" for a node alone. */
    public String nodeName() {
        return cluster != null ? cluster.nodeName() : config.cluster() != null ? config.cluster().nodeName() : "local";
    }

    /** The cluster this node is part of, or null for a node alone. */
    public ClusterNode cluster() {
        return cluster;
    }

    /** Counters bumped by the loops, read by the metrics, the status page and $SYS. */
    public BrokerCounters counters() {
        return counters;
    }

    /** The meters; null until start-up has restored the sessions. */
    public Metrics metrics() {
        return metrics;
    }

    /** Wall-clock time the node was created, in milliseconds. */
    public long startedAt() {
        return startedAt;
    }

    /** Called by the HTTP listener once bound. */
    public void httpListening(int actualPort) {
        httpPort = actualPort;
    }

    /** The HTTP port bound (useful with http-port 0), or -1. */
    public int httpPort() {
        return httpPort;
    }

    /** Called by each listener once bound. */
    public void listening(Listener listener, int actualPort) {
        ports.set(listener.ordinal(), actualPort);
    }

    /** The plain TCP port the listeners bound (useful with port 0); -1 when it is off. */
    public int port() {
        return port(Listener.TCP);
    }

    /** The port a listener bound (useful with port 0); -1 when it is off. */
    public int port(Listener listener) {
        return ports.get(listener.ordinal());
    }

    /** The TLS listeners' certificate and key; null without one. */
    public TlsMaterial tls() {
        return tls;
    }

    /** {@code 0.0.0.0:1883 (tcp), 0.0.0.0:8883 (tls)}, for the start-up line. */
    private String listenerList() {
        StringJoiner list = new StringJoiner(", ");
        for (Listener l : Listener.values()) {
            if (port(l) >= 0) {
                list.add(config.host() + ":" + port(l) + (l.webSocket() ? Listener.WEBSOCKET_PATH : "") + " (" + l.label() + ")");
            }
        }
        return list.toString();
    }

    public boolean stopping() {
        return stopping;
    }

    public Config config() {
        return config;
    }

    public Journal journal() {
        return journal;
    }

    /** What every packet to a client passes (split-brain protection); null for a node alone or a cluster of two. */
    public Fence fence() {
        return cluster == null ? null : cluster.fence();
    }

    /** How event loops send forwards to other nodes; null for a node alone. */
    public JournalBatcher.Forwarding forwarding() {
        return forwarding;
    }

    public PostOffice postOffice() {
        return postOffice;
    }

    /** Logins, topic permissions and their counters; {@code access().reload()} re-reads the files (SIGHUP). */
    public AccessControl access() {
        return access;
    }

    public ConnectionCount connections() {
        return connections;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** The session of a client id on this node, or null. */
    public Session session(String clientId) {
        return sessions.get(clientId);
    }
}
