package io.oncemq.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.IExecutorService;

import java.util.concurrent.CompletableFuture;

/**
 * Sends a batch of forwarded messages to one node and completes when that node has made them durable
 * (its {@link Receiver} completed). One Hazelcast operation per batch and target node: one per message
 * would cap the cluster at a few thousand messages a second (docs/cluster-design.md).
 */
public final class Forwarder {

    /** Takes the batches other nodes send here; completes once they are durable on this node. */
    public interface Receiver {
        CompletableFuture<Void> accept(String origin, byte[] batch);
    }

    /** The target node is not in the cluster (left, or never joined). */
    public static final class NodeAbsent extends RuntimeException {
        NodeAbsent(String node) {
            super("node " + node + " is not in the cluster", null, false, false);
        }
    }

    static final String EXECUTOR = "oncemq.forward";
    static final String RECEIVER = "oncemq.forward.receiver";
    private static final int EXECUTOR_THREADS = 8;

    private final Membership membership;
    private final IExecutorService executor;
    private final String origin;

    private Forwarder(Membership membership, String origin) {
        this.membership = membership;
        this.executor = membership.hazelcast().getExecutorService(EXECUTOR);
        this.origin = origin;
    }

    static void configure(Config config) {
        config.getExecutorConfig(EXECUTOR).setPoolSize(EXECUTOR_THREADS);
        config.getSerializationConfig().addDataSerializableFactory(ForwardTask.FACTORY, id -> new ForwardTask());
    }

    /**
     * Sends batches as {@code origin}: the node's name and the incarnation of its data folder, so that a
     * node rebuilt with an empty folder never has its new messages taken for retries of old ones.
     */
    public static Forwarder open(Membership membership, String origin) {
        return new Forwarder(membership, origin);
    }

    /** From now on batches sent to this node go to {@code receiver}; before, senders get a failure and retry. */
    public void receiveWith(Receiver receiver) {
        membership.hazelcast().getUserContext().put(RECEIVER, receiver);
    }

    /** Completes when {@code node} has made the batch durable; exceptionally with {@link NodeAbsent} or any failure. */
    public CompletableFuture<Void> send(String node, byte[] batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Member member = membership.member(node);
        if (member == null) {
            done.completeExceptionally(new NodeAbsent(node));
            return done;
        }
        executor.submitToMember(new ForwardTask(origin, batch), member, new ExecutionCallback<Boolean>() {
            @Override
            public void onResponse(Boolean ok) {
                done.complete(null);
            }

            @Override
            public void onFailure(Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }
}
