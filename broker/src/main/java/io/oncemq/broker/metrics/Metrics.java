package io.oncemq.broker.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.oncemq.broker.auth.AccessCounters;
import io.oncemq.broker.cluster.ClusterNode;
import io.oncemq.broker.cluster.ReplicatedJournal;
import io.oncemq.broker.server.ConnectionCount;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.journal.ChronicleJournal;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The node's meters in a Prometheus registry, each made once at start: function counters and gauges that
 * read {@link BrokerCounters} and the node's state when scraped, so the hot path only bumps LongAdders.
 */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** What the meters read; {@code chronicle} null if the journal is not a Chronicle one, {@code cluster} null for a node alone. */
    public record Sources(BrokerCounters counters, AccessCounters access, ConnectionCount connections, SessionRegistry sessions,
                          PostOffice postOffice, ChronicleJournal chronicle, ClusterNode cluster) {
    }

    public Metrics(String node, Sources s) {
        registry.config().commonTags("node", node);
        BrokerCounters c = s.counters();
        gauge("oncemq.connections", "open MQTT connections", s.connections(), ConnectionCount::open);
        gauge("oncemq.sessions", "sessions on this node (connected, or kept while the client is away)", s.sessions(), SessionRegistry::size);
        gauge("oncemq.queued.messages", "QoS 1/2 messages waiting beyond the sessions' in-flight windows", s.sessions(),
                r -> r.all().stream().mapToLong(x -> x.outbound().queued()).sum());
        gauge("oncemq.inflight.messages", "QoS 1/2 PUBLISHes sent to clients and not yet acknowledged", s.sessions(),
                r -> r.all().stream().mapToLong(x -> x.outbound().inflightNow()).sum());
        gauge("oncemq.inbound.receipts", "QoS 2 receipts held until PUBREL", s.sessions(), Metrics::heldReceipts);
        gauge("oncemq.retained.messages", "retained messages", s.postOffice(), p -> p.retained().size());
        for (int qos = 0; qos <= 2; qos++) {
            int q = qos;
            counter("oncemq.messages.in", "PUBLISHes accepted from clients", c, x -> x.messagesIn(q), "qos", String.valueOf(q));
            counter("oncemq.messages.out", "PUBLISHes sent to clients, resends included", c, x -> x.messagesOut(q), "qos", String.valueOf(q));
        }
        counter("oncemq.bytes.in", "payload bytes of PUBLISHes accepted from clients", c, BrokerCounters::bytesIn);
        counter("oncemq.bytes.out", "payload bytes of PUBLISHes sent to clients", c, BrokerCounters::bytesOut);
        counter("oncemq.dropped.messages", "messages not delivered", s.postOffice(), PostOffice::droppedCount, "reason", "queue_full");
        counter("oncemq.dropped.messages", "messages not delivered", c, BrokerCounters::droppedSlowReader, "reason", "qos0_slow_reader");
        counter("oncemq.dropped.messages", "messages not delivered", c, BrokerCounters::droppedExpired, "reason", "expired");
        counter("oncemq.dropped.messages", "messages not delivered", c, BrokerCounters::droppedTooLarge, "reason", "too_large_for_client");
        counter("oncemq.duplicate.publishes.suppressed", "QoS 2 PUBLISHes with a held packet id: acknowledged again, not routed (E1)",
                c, BrokerCounters::duplicatesSuppressed);
        counter("oncemq.publish.resends", "unacknowledged PUBLISHes sent again (DUP) on reconnect", c, BrokerCounters::publishResends);
        counter("oncemq.pubrel.resends", "PUBRELs sent again on reconnect", c, BrokerCounters::pubrelResends);
        counter("oncemq.receipts.rerouted", "a dead node's unrouted receipts routed again here after failover", c, BrokerCounters::receiptsRerouted);
        counter("oncemq.sessions.taken.over", "connections closed because a new connection took their client id (E4)",
                c, BrokerCounters::sessionsTakenOver);
        counter("oncemq.sessions.received", "sessions installed here from another node (hand-over or a dead node's copy)",
                c, BrokerCounters::sessionsTakenFromNodes);
        counter("oncemq.failovers", "dead nodes whose journal copy this node adopted", c, BrokerCounters::failovers);
        counter("oncemq.admin.kicks", "clients closed through the admin API", c, BrokerCounters::kicks);
        counter("oncemq.failed.logins", "CONNECTs refused for a bad user name or password, or anonymous", s.access(), AccessCounters::failedLogins);
        counter("oncemq.denied.subscribes", "topic filters refused by the ACL", s.access(), AccessCounters::deniedSubscribes);
        counter("oncemq.denied.publishes", "PUBLISHes and wills refused by the ACL", s.access(), AccessCounters::deniedPublishes);
        timer("oncemq.journal.append", "from a loop's batch flushed to durable (and copied, in a cluster)", c,
                BrokerCounters::journalAppends, BrokerCounters::journalAppendNanos);
        if (s.chronicle() != null) {
            timer("oncemq.journal.sync", "group-commit syncs (durability fsync)", s.chronicle(), ChronicleJournal::syncs, ChronicleJournal::syncNanos);
        }
        ClusterNode cluster = s.cluster();
        if (cluster != null) {
            gauge("oncemq.cluster.members", "members of the cluster this node sees", cluster, n -> n.members().size());
            counter("oncemq.forward.requests", "forward requests sent to other nodes", cluster, ClusterNode::forwardRequests);
            ReplicatedJournal copy = cluster.copy();
            if (copy != null) {
                counter("oncemq.replication.requests", "journal-copy requests sent to the copy holders", copy, ReplicatedJournal::requests);
                timer("oncemq.replication", "journal-copy rounds: sent to acknowledged by every copy holder", copy,
                        ReplicatedJournal::copied, ReplicatedJournal::copyNanos);
            }
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    private static long heldReceipts(SessionRegistry r) {
        long n = 0;
        for (Session x : r.all()) {
            n += x.inbound().heldCount();
        }
        return n;
    }

    /** The Prometheus text exposition; reads every meter (call it off the event loops). */
    public String scrape() {
        return registry.scrape();
    }

    private <T> void gauge(String name, String help, T source, ToDoubleFunction<T> f) {
        Gauge.builder(name, source, f).description(help).register(registry);
    }

    private <T> void counter(String name, String help, T source, ToLongFunction<T> f, String... tags) {
        FunctionCounter.builder(name, source, x -> f.applyAsLong(x)).description(help).tags(tags).register(registry);
    }

    private <T> void timer(String name, String help, T source, ToLongFunction<T> count, ToLongFunction<T> nanos) {
        FunctionTimer.builder(name, source, count, x -> nanos.applyAsLong(x), TimeUnit.NANOSECONDS).description(help).register(registry);
    }
}
