package io.oncemq.broker.cluster;

import io.oncemq.cluster.NodeCalls;
import io.oncemq.cluster.Owners;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import io.oncemq.journal.RecordCodec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The copies of other nodes' journals this node keeps as one of their copy holders, in memory: each the live
 * state its node's journal describes, updated batch by batch in order. When such a node dies, the first live
 * holder adopts what its copy holds ({@link Adoption}).
 */
public final class Replicas implements NodeCalls.Service {

    private static final byte[] DONE = new byte[0];

    /** One node's copy: who sent it (name and incarnation), the last request applied, the state. */
    static final class Replica {
        final String caller;
        final JournalState state = new JournalState();
        long seq;

        Replica(String caller) {
            this.caller = caller;
        }
    }

    private final Map<String, Replica> byNode = new HashMap<>();
    private final Owners owners;

    public Replicas(Owners owners) {
        this.owners = owners;
    }

    @Override
    public CompletableFuture<byte[]> handle(String caller, byte[] request) {
        ByteBuffer in = ByteBuffer.wrap(request);
        byte kind = in.get();
        long seq = in.getLong();
        byte[] names = new byte[in.getShort()];
        in.get(names);
        String node = caller.substring(0, caller.lastIndexOf('/'));
        boolean fresh = kind == ReplicatedJournal.RESET;
        synchronized (this) {
            Replica r = byNode.get(node);
            if (fresh || r == null || !r.caller.equals(caller)) {
                if (!fresh) {
                    // a change without the state it applies to (this node restarted): ask for the whole state
                    return CompletableFuture.failedFuture(new IllegalStateException("no copy of node " + node + " here"));
                }
                r = new Replica(caller);
                byNode.put(node, r);
            }
            if (seq > r.seq) {
                List<Record> records = RecordCodec.decode(request, in.position(), request.length - in.position());
                records.forEach(r.state::apply);
                r.state.endOfBatch();
                r.seq = seq;
            }
        }
        if (fresh) {
            // from now on these copies are the ones to adopt, not older ones elsewhere
            owners.holdCopyOf(node, Owners.CopyHolders.parse(new String(names, StandardCharsets.UTF_8)));
        }
        return CompletableFuture.completedFuture(DONE);
    }

    /** The copy of a node, or null. */
    synchronized Replica of(String node) {
        return byNode.get(node);
    }

    /** Drops the copy of a node (it rejoined and will send its state again). */
    synchronized void forget(String node) {
        byNode.remove(node);
    }

    /** Drops this copy of a node, unless a newer one replaced it (its adoption is over, or it was an older copy). */
    synchronized void forget(String node, Replica copy) {
        byNode.remove(node, copy);
    }

    /** Runs {@code work} with the copies locked (adoption and hand-overs read and change them). */
    synchronized <T> T locked(java.util.function.Supplier<T> work) {
        return work.get();
    }
}
