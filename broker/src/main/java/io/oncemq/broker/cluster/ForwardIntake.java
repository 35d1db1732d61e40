package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.cluster.NodeCalls;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Takes the messages other nodes forward here: each reaches each of this node's sessions once, however
 * often it is forwarded or relayed (E3), and is acknowledged once durable. A message for a session that
 * moved to another node is not relayed from here: the answer names that node and the sender forwards it
 * there itself (a relay would make this answer wait for another node's, and two nodes relaying to each
 * other would each hold the other's answer). Remembers, per origin and id, which sessions got a message
 * (journaled; after a restart the whole node counts as having it).
 * Runs on one event loop (its batcher's); the ledger is also read by hand-overs, under its lock.
 */
public final class ForwardIntake implements NodeCalls.Service, PostOffice.Ledger {

    /** Ledger value of an id accepted before the last restart: every session that matched then has it. */
    private static final Set<String> ALL = Set.of();
    private static final byte[] DONE = new byte[0];
    private static final CompletableFuture<byte[]> DONE_ALREADY = CompletableFuture.completedFuture(DONE);
    /** How long a relay waits for the hand-over of its session to this node. */
    private static final long ARRIVAL_WAIT_MILLIS = 5_000;

    private final PostOffice postOffice;
    private final SessionRegistry sessions;
    private final JournalBatcher loop;
    private final String self;
    private final Map<String, LinkedHashMap<Long, Set<String>>> ledger = new HashMap<>();
    /**
     * The last answer to each caller (loop-confined): answers to a caller leave in order, so a retry never
     * overtakes its first copy; callers do not wait for each other (one answer held by a relay to a dead node
     * would hold every node's forwards here, the adoption that would free it among them).
     */
    private final Map<String, CompletableFuture<byte[]>> lastAnswer = new HashMap<>();
    /** The claim of a client id under way here, or null ({@link Takeover}). */
    private volatile Function<String, Future<Void>> claims = clientId -> null;

    /** {@code accepted}: the ids replayed from the journal, per origin; {@code self}: this node's caller name. */
    public ForwardIntake(PostOffice postOffice, SessionRegistry sessions, JournalBatcher loop, String self,
                         Map<String, LinkedHashSet<Long>> accepted) {
        this.postOffice = postOffice;
        this.sessions = sessions;
        this.loop = loop;
        this.self = self;
        accepted.forEach((origin, ids) -> ids.forEach(id -> entries(origin).put(id, ALL)));
    }

    /** Where to look for claims under way (set once the takeover exists). */
    void claimsFrom(Function<String, Future<Void>> claims) {
        this.claims = claims;
    }

    @Override
    public CompletableFuture<byte[]> handle(String caller, byte[] body) {
        List<Forward> batch = ForwardCodec.decode(body, caller);
        CompletableFuture<byte[]> durable = new CompletableFuture<>();
        Future<?> arriving = sessionsArriving(batch);
        if (arriving == null) {
            take(caller, batch, durable);
        } else {
            // a relay for a session whose hand-over to this node is under way: it would find no session and be
            // dropped; it waits for the install (bounded: a hand-over that waits for this very forward ends first)
            Promise<Void> waited = Promise.promise();
            arriving.onComplete(x -> waited.tryComplete());
            loop.context().owner().setTimer(ARRIVAL_WAIT_MILLIS, id -> waited.tryComplete());
            waited.future().onComplete(x -> take(caller, batch, durable));
        }
        return durable;
    }

    /** The claims under way here of the sessions this batch is relayed to, or null if none. */
    private Future<?> sessionsArriving(List<Forward> batch) {
        List<Future<Void>> pending = null;
        for (Forward f : batch) {
            for (Forward.SessionTarget t : f.sessions()) {
                Future<Void> claim = claims.apply(t.clientId());
                if (claim != null && !claim.isComplete()) {
                    if (pending == null) {
                        pending = new ArrayList<>(1);
                    }
                    pending.add(claim);
                }
            }
        }
        return pending == null ? null : Future.join(pending);
    }

    private void take(String caller, List<Forward> batch, CompletableFuture<byte[]> durable) {
        loop.context().runOnContext(v -> {
            List<Runnable> dispatches = new ArrayList<>(batch.size());
            Map<String, List<Forward>> redirects = new LinkedHashMap<>(0);
            synchronized (ledger) {
                for (Forward f : batch) {
                    accept(f, dispatches, (node, relay) -> redirects.computeIfAbsent(node, n -> new ArrayList<>(1)).add(redirected(node, relay)));
                }
            }
            byte[] answer = redirects.isEmpty() ? DONE : ForwardCodec.encodeRedirects(redirects);
            CompletableFuture<byte[]> earlier = lastAnswer.getOrDefault(caller, DONE_ALREADY);
            lastAnswer.put(caller, durable);
            // not behind this loop's own forwards (JournalBatcher.whenDone): the sender may wait for this answer
            // before it acknowledges what this loop forwards to it
            loop.whenDone(() -> {
                dispatches.forEach(Runnable::run);
                earlier.whenComplete((x, e) -> durable.complete(answer));
            });
        });
    }

    /**
     * A forward for sessions that moved to {@code node} (or a shared subscription's turn with no member here), as the
     * sender passes it on: with this node named as origin if it first accepted the message.
     */
    private Forward redirected(String node, Forward relay) {
        if (MessageTrace.ON) {
            MessageTrace.step("intake: sessions " + relay.sessions() + " moved to " + node + ", sender redirected", relay.message());
        }
        Message m = relay.message();
        return m.origin() != null ? relay
                : new Forward(m.storedAs(m.id(), self, m.originId()), relay.publisherId(), false, relay.groups(), relay.sessions());
    }

    /** {@code movedAway}: where the message goes for sessions that moved to another node. */
    private void accept(Forward f, List<Runnable> dispatches, BiConsumer<String, Forward> movedAway) {
        Message in = f.message();
        boolean ours = in.origin().equals(self);
        LinkedHashMap<Long, Set<String>> entries = entries(in.origin());
        Set<String> got = entries.get(in.originId());
        if (got == ALL) {
            if (MessageTrace.ON) {
                MessageTrace.step("intake: taken before (ALL), dropped", in);
            }
            return; // a retry of a forward this node took before its restart
        }
        boolean first = got == null;
        if (first) {
            got = new HashSet<>(2);
        }
        // a message this node accepted itself keeps its id: its sessions' in-flight sets recognise it (E3)
        Message m = ours ? in.storedAs(in.originId(), null, in.originId())
                : in.storedAs(postOffice.nextMessageId(), in.origin(), in.originId());
        Set<String> had = got;
        Predicate<Session> skip = had.isEmpty() ? PostOffice.NONE : s -> had.contains(s.clientId());
        List<PostOffice.Target> targets = new ArrayList<>(postOffice.routeForwarded(m, f, loop, skip, movedAway));
        for (Forward.SessionTarget t : f.sessions()) {
            Session s = sessions.get(t.clientId());
            if (s != null && !got.contains(t.clientId()) && postOffice.relayInto(s, m, t.qos(), t.retain(), t.shared(), loop, movedAway)) {
                targets.add(new PostOffice.Target(s, t.qos(), t.retain(), t.shared()));
            }
        }
        for (PostOffice.Target t : targets) {
            got.add(t.session().clientId());
        }
        if (MessageTrace.ON) {
            MessageTrace.step("intake: first " + first + ", sessions " + f.sessions() + " -> "
                    + targets.stream().map(t -> t.session().clientId()).toList() + " as " + m.id(), in);
        }
        if (first) {
            remember(entries, in.originId(), got);
            loop.record(new Record.ForwardAccepted(in.origin(), in.originId(), m.id()));
        }
        dispatches.add(() -> postOffice.dispatch(m, targets));
    }

    /**
     * A dead node's copy is adopted here: the messages that node had taken from others count as taken by its
     * sessions ({@code clientIds}), which now live here with them; not by this node's other sessions, nor by those
     * of another dead node it adopts (a forward of the same message meant for that node's sessions still reaches them).
     */
    public void adoptLedger(Map<String, LinkedHashSet<Long>> accepted, Set<String> clientIds) {
        Set<String> theirs = Set.copyOf(clientIds);
        synchronized (ledger) {
            accepted.forEach((origin, ids) -> {
                LinkedHashMap<Long, Set<String>> entries = entries(origin);
                for (long id : ids) {
                    Set<String> had = entries.get(id);
                    if (had != ALL) {
                        entries.put(id, new Adopted(theirs, had));
                    }
                }
            });
        }
    }

    /**
     * Ledger value of an id an adopted node had taken: its sessions (a set shared by all such entries) count as having
     * it, as do those added here; as with {@link #ALL}, every shared subscription counts as having got it there.
     */
    private static final class Adopted extends AbstractSet<String> {
        private final Set<String> heldThere;
        private final Set<String> alsoHere = new HashSet<>(2);

        Adopted(Set<String> heldThere, Set<String> had) {
            this.heldThere = heldThere;
            if (had != null) {
                alsoHere.addAll(had);
            }
        }

        @Override
        public boolean contains(Object clientId) {
            return heldThere.contains(clientId) || alsoHere.contains(clientId);
        }

        @Override
        public boolean add(String clientId) {
            return !heldThere.contains(clientId) && alsoHere.add(clientId);
        }

        /** Only what was added here: a session of the adopted node keeps counting (as under {@link #ALL}). */
        @Override
        public boolean remove(Object clientId) {
            return alsoHere.remove(clientId);
        }

        @Override
        public Iterator<String> iterator() {
            return Stream.concat(heldThere.stream(), alsoHere.stream()).iterator();
        }

        @Override
        public int size() {
            return heldThere.size() + alsoHere.size();
        }
    }

    /**
     * A dead node's receipt routed once more to this node's sessions, as if that node forwarded it: to the plain
     * subscriptions, or to these shared ones. Runs on this intake's loop.
     */
    public void reRoute(Message m, boolean plain, List<String> groups) {
        List<Runnable> dispatches = new ArrayList<>(1);
        synchronized (ledger) {
            // no sender to redirect: relayed from here
            accept(new Forward(m, null, plain, groups), dispatches, loop::forward);
        }
        loop.whenDone(() -> dispatches.forEach(Runnable::run));
    }

    /**
     * Whether a member of the shared subscription here got the message (from {@code origin}, its id there); a
     * message taken before this node's last restart counts as got, whatever it went to.
     */
    public boolean groupHas(String origin, long originId, String group) {
        synchronized (ledger) {
            Set<String> got = entries(origin).get(originId);
            return got == ALL || got instanceof Adopted || (got != null && !got.isEmpty() && postOffice.groupMemberAmong(group, got));
        }
    }

    private static void remember(LinkedHashMap<Long, Set<String>> entries, long id, Set<String> got) {
        entries.put(id, got);
        if (entries.size() > JournalState.ACCEPTED_FORWARDS_KEPT) {
            entries.remove(entries.keySet().iterator().next());
        }
    }

    /**
     * A forward of a message this node accepted can come back here (sent on to this node as the adopter of the node
     * it went to, or redirected): the sessions it was routed to here have it. Kept in memory only, for the last
     * {@link JournalState#ACCEPTED_FORWARDS_KEPT} of them; older ones rely on the sessions' in-flight sets.
     */
    @Override
    public void routedHere(Message m, List<PostOffice.Target> targets) {
        Set<String> got = new HashSet<>(Math.max(2, targets.size() * 2));
        for (PostOffice.Target t : targets) {
            got.add(t.session().clientId());
        }
        synchronized (ledger) {
            remember(entries(self), m.originId(), got);
        }
    }

    /** The session did not get it here after all: a forward of it that comes back here for the session is not a repeat. */
    @Override
    public void notDeliveredHere(Message m, String clientId) {
        synchronized (ledger) {
            Set<String> got = entries(m.originOr(self)).get(m.originId());
            if (got != null && got != ALL) {
                got.remove(clientId);
            }
        }
    }

    private LinkedHashMap<Long, Set<String>> entries(String origin) {
        return ledger.computeIfAbsent(origin, o -> new LinkedHashMap<>());
    }

    /**
     * A session moving here brings these messages: a later copy of one is a repeat for it. {@code subscribe}
     * runs under the same lock, so no forward reaches the session between the two.
     */
    public void holding(String clientId, List<Delivery> deliveries, Runnable subscribe) {
        synchronized (ledger) {
            for (Delivery d : deliveries) {
                Message m = d.message();
                if (m.origin() == null || m.origin().equals(self)) {
                    continue; // kept its id here: the session's in-flight set recognises it
                }
                Set<String> got = entries(m.origin()).computeIfAbsent(m.originId(), id -> new HashSet<>(2));
                if (got != ALL) {
                    got.add(clientId);
                }
            }
            subscribe.run();
        }
    }
}
