package io.oncemq.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.IExecutorService;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Requests from this node to a named service on another node, answered once the service has done its
 * work there (a batch of forwards made durable, a session handed over). One Hazelcast operation per call:
 * callers batch, since one call per message would cap the cluster at a few thousand messages a second
 * (docs/cluster-design.md).
 */
public final class NodeCalls {

    /** A service of this node: completes with its answer once its work is done (durable where it must be). */
    public interface Service {
        CompletableFuture<byte[]> handle(String caller, byte[] request);
    }

    /** The target node is not in the cluster (left, or never joined). */
    public static final class NodeAbsent extends RuntimeException {
        NodeAbsent(String node) {
            super("node " + node + " is not in the cluster", null, false, false);
        }
    }

    static final String EXECUTOR = "oncemq.calls.";
    static final String SERVICE_PREFIX = "oncemq.service.";
    /**
     * Services wait on these threads until their work is durable. Each service has its own pool: a journal
     * copy (answered at once) never queues behind forwards that wait for journal copies, which would be a
     * cycle between two nodes copying to each other.
     */
    private static final int EXECUTOR_THREADS = 32;
    /** A call unanswered this long fails, and its caller retries or gives up: it never hangs for good. */
    private static final long ANSWER_TIMEOUT_SECONDS = 15;

    private final Membership membership;
    private final Map<String, IExecutorService> executors = new ConcurrentHashMap<>();
    private final String caller;
    private volatile Fence fence;

    private NodeCalls(Membership membership, String caller) {
        this.membership = membership;
        this.caller = caller;
    }

    static void configure(Config config) {
        config.getExecutorConfig(EXECUTOR + "*").setPoolSize(EXECUTOR_THREADS);
        config.getSerializationConfig().addDataSerializableFactory(NodeCall.FACTORY,
                id -> id == OwnerUpdate.ID ? new OwnerUpdate() : new NodeCall());
    }

    /**
     * Calls as {@code caller}: the node's name and the incarnation of its data folder, so that a node
     * rebuilt with an empty folder is never taken for its earlier self.
     */
    public static NodeCalls open(Membership membership, String caller) {
        return new NodeCalls(membership, caller);
    }

    /**
     * From now on this node neither calls nor answers other nodes while {@code fence} says it may not serve: a
     * node the others may have declared dead must not take or hand on work (forwards, copies, hand-overs).
     * Call before {@link #serve}.
     */
    public void fencedBy(Fence fence) {
        this.fence = fence;
    }

    /** From now on calls to {@code name} on this node go to {@code service}; before, callers get a failure. */
    public void serve(String name, Service service) {
        Fence f = fence;
        Service gated = f == null ? service : (caller, request) -> f.serving() ? service.handle(caller, request)
                : CompletableFuture.failedFuture(new Fence.Lapsed(membership.nodeName()));
        membership.hazelcast().getUserContext().put(SERVICE_PREFIX + name, gated);
    }

    /** This node's caller name (name and data-folder incarnation). */
    public String caller() {
        return caller;
    }

    /** The answer of {@code service} on {@code node}; exceptionally with {@link NodeAbsent} or any failure. */
    public CompletableFuture<byte[]> call(String node, String service, byte[] request) {
        return call(node, service, request, ANSWER_TIMEOUT_SECONDS);
    }

    /** As {@link #call(String, String, byte[])}, failing after {@code timeoutSeconds} without an answer. */
    public CompletableFuture<byte[]> call(String node, String service, byte[] request, long timeoutSeconds) {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        Fence f = fence;
        if (f != null && !f.serving()) {
            done.completeExceptionally(new Fence.Lapsed(membership.nodeName()));
            return done;
        }
        Member member = membership.member(node);
        if (member == null) {
            done.completeExceptionally(new NodeAbsent(node));
            return done;
        }
        done.orTimeout(timeoutSeconds, TimeUnit.SECONDS);
        IExecutorService executor = executors.computeIfAbsent(service, s -> membership.hazelcast().getExecutorService(EXECUTOR + s));
        executor.submitToMember(new NodeCall(service, member.getUuid().toString(), caller, request, timeoutSeconds), member, new ExecutionCallback<byte[]>() {
            @Override
            public void onResponse(byte[] answer) {
                done.complete(answer);
            }

            @Override
            public void onFailure(Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }
}
