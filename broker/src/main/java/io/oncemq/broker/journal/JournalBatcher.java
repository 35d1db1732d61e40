package io.oncemq.broker.journal;

import io.oncemq.broker.cluster.Forward;
import io.oncemq.broker.metrics.BrokerCounters;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.journal.Journal;
import io.oncemq.journal.Record;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers the journal records of one event loop's turn into one append, and the messages it forwards
 * into one request per target node; runs the packets that depend on them when the append is durable and
 * every forward is acknowledged (STYLE rule 3: record, then act).
 *
 * <p>Confined to its event loop. Actions run in the order they were given, also when some wait for a
 * record and others do not, which keeps acknowledgements in order (MQTT-4.6.0-2, -3).
 */
public final class JournalBatcher {

    private static final Logger log = LoggerFactory.getLogger(JournalBatcher.class);

    /** Sends one batch of forwards to a node; completes once that node holds them durably (or gave them up). */
    public interface Forwarding {
        /** The life (member id) of the node now, or null when it is not in the cluster. */
        String lifeOf(String node);

        /** {@code life}: the node's life when the forwards were routed; its sessions live where that life's went. */
        CompletableFuture<Void> send(String node, String life, List<Forward> batch);
    }

    private final Journal journal;
    private final Context context;
    private final Forwarding forwarding;
    private final BrokerCounters counters;
    private List<Record> records = new ArrayList<>();
    private List<Runnable> actions = new ArrayList<>();
    private List<Runnable> ownActions = new ArrayList<>();
    private List<Runnable> journaledActions = new ArrayList<>();
    private Map<String, List<Forward>> forwards = new LinkedHashMap<>();
    /** Flushed batches, oldest first; the head's actions run once its journal append and forwards are done. */
    private final ArrayDeque<Flushed> inFlight = new ArrayDeque<>();
    private final Map<String, Lane> lanes = new HashMap<>();
    private boolean flushScheduled;

    private static final class Flushed {
        final List<Runnable> actions;
        /** Actions that wait for this batch alone ({@link #whenDone}). */
        final List<Runnable> own;
        /** Actions that wait for this batch's records alone ({@link #whenJournaled}). */
        final List<Runnable> journaledOnly;
        final long since = System.nanoTime();
        int waitingFor;
        boolean journaled;
        boolean reported;

        Flushed(List<Runnable> actions, List<Runnable> own, List<Runnable> journaledOnly, int waitingFor) {
            this.actions = actions;
            this.own = own;
            this.journaledOnly = journaledOnly;
            this.waitingFor = waitingFor;
        }
    }

    /**
     * The forwards of this loop to one node: one request in flight at a time, later batches gathered into
     * the next one, so the node receives them in order (MQTT-4.6.0-6) and requests grow with the load.
     */
    private static final class Lane {
        final String node;
        final String life;
        boolean busy;
        List<Forward> waiting = new ArrayList<>();
        List<Flushed> waiters = new ArrayList<>();

        Lane(String node, String life) {
            this.node = node;
            this.life = life;
        }
    }

    public JournalBatcher(Journal journal, Context context) {
        this(journal, context, null);
    }

    /** {@code forwarding} null: a single node, nothing is ever forwarded. */
    public JournalBatcher(Journal journal, Context context, Forwarding forwarding) {
        this(journal, context, forwarding, new BrokerCounters());
    }

    /** {@code counters}: the node's, which this loop's sessions and connections count into. */
    public JournalBatcher(Journal journal, Context context, Forwarding forwarding, BrokerCounters counters) {
        this.journal = journal;
        this.context = context;
        this.forwarding = forwarding;
        this.counters = counters;
    }

    /** The node's counters (for the sessions and connections on this loop). */
    public BrokerCounters counters() {
        return counters;
    }

    public Context context() {
        return context;
    }

    /** Whether the caller runs on this batcher's event-loop thread (where its sessions may be touched). */
    public boolean inLoop() {
        return ((ContextInternal) context).nettyEventLoop().inEventLoop();
    }

    /** Adds a record to this turn's batch; nothing waits for it unless an action follows. */
    public void record(Record record) {
        records.add(record);
        scheduleFlush();
    }

    /** Adds a message for another node to this turn's forward to it; the actions that follow wait for its ack. */
    public void forward(String node, Forward f) {
        if (MessageTrace.ON) {
            MessageTrace.step("forward to " + node + " (plain " + f.plain() + ", sessions " + f.sessions() + ")", f.message());
        }
        forwards.computeIfAbsent(node, n -> new ArrayList<>()).add(f);
        scheduleFlush();
    }

    /** Runs the action once every record given so far is durable and every forward acknowledged: now, if none is pending. */
    public void then(Runnable action) {
        if (records.isEmpty() && actions.isEmpty() && forwards.isEmpty() && inFlight.isEmpty()) {
            action.run();
            return;
        }
        actions.add(action);
        scheduleFlush();
    }

    /**
     * Runs the action once the records of this turn are durable and this turn's forwards acknowledged, without
     * waiting for earlier turns' forwards. For work that answers another node (a forward, an adoption): waiting
     * behind this loop's own forwards to that node would be a cycle between two nodes' loops, each holding the
     * other's acknowledgement.
     */
    public void whenDone(Runnable action) {
        ownActions.add(action);
        scheduleFlush();
    }

    /**
     * Runs the action once the records of this turn are durable (journal and copy), without waiting for any
     * forward. For work that other nodes' forwards may wait on (an adoption's announcement, an install): this
     * turn's forwards can wait, through a relay on the receiver, for that very work.
     */
    public void whenJournaled(Runnable action) {
        journaledActions.add(action);
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            // runs after the packets already read in this turn, so they share one append
            context.runOnContext(v -> flush());
        }
    }

    private void flush() {
        flushScheduled = false;
        if (records.isEmpty() && actions.isEmpty() && ownActions.isEmpty() && journaledActions.isEmpty() && forwards.isEmpty()) {
            return;
        }
        // the map goes with this batch: later turns' forwards must not join it while it waits for its append
        Map<String, List<Forward>> out = forwards.isEmpty() ? Map.of() : forwards;
        // a lane per life of each node: a restarted node must not get what was routed to its earlier life's sessions
        Map<String, Lane> lanesOut = out.isEmpty() ? Map.of() : new HashMap<>();
        if (!out.isEmpty()) {
            forwards = new LinkedHashMap<>();
            out.keySet().forEach(node -> {
                String life = forwarding.lifeOf(node);
                lanesOut.put(node, lanes.computeIfAbsent(node + '@' + life, k -> new Lane(node, life)));
            });
        }
        Flushed batch = new Flushed(actions, ownActions.isEmpty() ? List.of() : ownActions,
                journaledActions.isEmpty() ? List.of() : journaledActions, 1 + out.size());
        List<Record> appended = records;
        records = new ArrayList<>();
        actions = new ArrayList<>();
        if (!ownActions.isEmpty()) {
            ownActions = new ArrayList<>();
        }
        if (!journaledActions.isEmpty()) {
            journaledActions = new ArrayList<>();
        }
        inFlight.add(batch);
        // forwards leave once the batch is durable (E1: a receipt is durable before it is routed; otherwise a
        // node dying in between forgets a receipt whose message other nodes already have, and the client's
        // resend is taken for a new message)
        journal.append(appended, () -> context.runOnContext(v -> {
            batch.journaled = true;
            counters.journalAppended(System.nanoTime() - batch.since);
            batch.journaledOnly.forEach(Runnable::run);
            out.forEach((node, messages) -> {
                Lane lane = lanesOut.get(node);
                lane.waiting.addAll(messages);
                lane.waiters.add(batch);
                if (!lane.busy) {
                    send(lane);
                }
            });
            arrived(batch);
        }));
    }

    private void send(Lane lane) {
        List<Forward> messages = lane.waiting;
        List<Flushed> waiters = lane.waiters;
        lane.waiting = new ArrayList<>();
        lane.waiters = new ArrayList<>();
        lane.busy = true;
        forwarding.send(lane.node, lane.life, messages).whenComplete((ok, failure) -> context.runOnContext(v -> {
            lane.busy = false;
            if (!lane.waiting.isEmpty()) {
                send(lane);
            }
            waiters.forEach(this::arrived);
        }));
    }

    /**
     * One log line when the oldest batch has waited long (a journal or copy, or a forward, that does not
     * complete): everything this loop acknowledges waits behind it. Called by a periodic timer on the loop.
     */
    public void reportStall(long afterNanos) {
        Flushed head = inFlight.peek();
        if (head == null || head.reported || System.nanoTime() - head.since < afterNanos) {
            return;
        }
        head.reported = true;
        StringBuilder lanesBusy = new StringBuilder();
        lanes.forEach((node, lane) -> {
            if (lane.busy) {
                lanesBusy.append(lanesBusy.length() == 0 ? "" : ", ").append(node);
            }
        });
        log.warn("a batch has waited {} s ({}; forwards in flight to [{}]): this loop's acknowledgements wait behind it",
                (System.nanoTime() - head.since) / 1_000_000_000L, head.journaled ? "journal and copy done" : "journal or copy pending",
                lanesBusy);
    }

    private void arrived(Flushed batch) {
        if (--batch.waitingFor == 0) {
            batch.own.forEach(Runnable::run);
        }
        while (!inFlight.isEmpty() && inFlight.peek().waitingFor == 0) {
            for (Runnable action : inFlight.poll().actions) {
                action.run();
            }
        }
    }
}
