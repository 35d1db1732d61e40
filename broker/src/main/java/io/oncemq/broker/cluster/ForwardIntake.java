package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.cluster.Forwarder;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Takes the messages other nodes forward here: each is routed to this node's sessions once, journaled
 * with the origin's id so a retried forward is a no-op (E3), and acknowledged once durable.
 * Confined to one event loop (its batcher's), which owns the memory of accepted ids.
 */
public final class ForwardIntake implements Forwarder.Receiver {

    private final PostOffice postOffice;
    private final JournalBatcher loop;
    private final Map<String, LinkedHashSet<Long>> accepted;

    /** {@code accepted}: the ids replayed from the journal, per origin; this intake keeps adding to them. */
    public ForwardIntake(PostOffice postOffice, JournalBatcher loop, Map<String, LinkedHashSet<Long>> accepted) {
        this.postOffice = postOffice;
        this.loop = loop;
        this.accepted = new HashMap<>();
        accepted.forEach((origin, ids) -> this.accepted.put(origin, new LinkedHashSet<>(ids)));
    }

    @Override
    public CompletableFuture<Void> accept(String origin, byte[] body) {
        List<Forward> batch = ForwardCodec.decode(body);
        CompletableFuture<Void> durable = new CompletableFuture<>();
        loop.context().runOnContext(v -> {
            List<Runnable> dispatches = new ArrayList<>(batch.size());
            for (Forward f : batch) {
                if (!firstTime(origin, f.message().id())) {
                    continue; // a retry: this node routed it already
                }
                Message in = f.message();
                Message m = new Message(postOffice.nextMessageId(), in.topic(), in.qos(), in.retain(), in.payload(), in.properties());
                List<PostOffice.Target> targets = postOffice.routeForwarded(m, f, loop);
                loop.record(new Record.ForwardAccepted(origin, in.id()));
                dispatches.add(() -> postOffice.dispatch(m, targets));
            }
            loop.then(() -> {
                dispatches.forEach(Runnable::run);
                durable.complete(null);
            });
        });
        return durable;
    }

    private boolean firstTime(String origin, long id) {
        LinkedHashSet<Long> ids = accepted.computeIfAbsent(origin, o -> new LinkedHashSet<>());
        if (!ids.add(id)) {
            return false;
        }
        if (ids.size() > JournalState.ACCEPTED_FORWARDS_KEPT) {
            ids.remove(ids.iterator().next());
        }
        return true;
    }
}
