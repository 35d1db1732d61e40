package io.oncemq.broker.qos;

import io.oncemq.broker.fault.FaultPoint;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.Outlet;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.journal.Record;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The broker as sender towards one session (DESIGN.md §1, sender rules): a queue, a window of packet
 * ids in flight, and for each id its state. PUBLISH(q) is kept until PUBACK/PUBREC(q); after PUBREC only
 * PUBREL(q) is ever sent again. Runs on the session's loop.
 */
public final class OutboundFlow {

    /** One message for this session at the QoS it is delivered with; retain is the PUBLISH's flag. */
    public record Delivery(Message message, int qos, boolean retain, boolean shared) {

        /** Bit of a journaled queue entry's QoS that marks a PUBLISH with retain=1. */
        private static final int RETAIN_BIT = 4;
        /** Bit that marks a message a shared subscription brought: it moves to another member if this session ends. */
        private static final int SHARED_BIT = 8;

        public Delivery(Message message, int qos, boolean retain) {
            this(message, qos, retain, false);
        }

        /** The QoS as journaled in Enqueued: with the flags, so a replayed queue behaves alike. */
        public int journaledQos() {
            return qos | (retain ? RETAIN_BIT : 0) | (shared ? SHARED_BIT : 0);
        }

        public static Delivery fromJournal(Message m, int journaledQos) {
            return new Delivery(m, journaledQos & 3, (journaledQos & RETAIN_BIT) != 0, (journaledQos & SHARED_BIT) != 0);
        }
    }

    private static final class InFlight {
        final Delivery delivery;
        boolean pubrecReceived;

        InFlight(Delivery delivery, boolean pubrecReceived) {
            this.delivery = delivery;
            this.pubrecReceived = pubrecReceived;
        }
    }

    private static final int RECENTLY_DONE = 1024;

    private final Session session;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final LinkedHashMap<Integer, InFlight> inflight = new LinkedHashMap<>();
    /** Message ids queued or in flight: a second delivery of one is a no-op (E3). */
    private final Set<Long> known = new HashSet<>();
    /** The ids of the last messages completed, for relays that come back after the direct delivery. */
    private final long[] done = new long[RECENTLY_DONE];
    private int doneNext;
    private long relaysUntil;
    private final int maxInflight;
    private int window;
    private int lastPacketId;
    private volatile int queued;
    /** inflight.size() for readers on other loops (gauges); written only by the owning loop. */
    private volatile int inflightSize;
    private long dropped;

    public OutboundFlow(Session session, int maxInflight) {
        this.session = session;
        this.maxInflight = maxInflight;
        this.window = maxInflight;
    }

    /** The last completed ids hold this one (a relay of a message this node accepted itself came back). */
    private boolean recentlyDone(long messageId) {
        for (long id : done) {
            if (id == messageId) {
                return true;
            }
        }
        return false;
    }

    /** For a while after a hand-over, deliveries are checked against the last completed messages too. */
    public void watchForReturningRelays(long untilNanos) {
        relaysUntil = untilNanos;
    }

    /** Messages waiting beyond the window; read from other loops to bound the queue. */
    public int queued() {
        return queued;
    }

    /** The client's Receive Maximum narrows the window (MQTT-3.3.4-9). */
    public void clientReceiveMaximum(int receiveMaximum) {
        window = Math.min(maxInflight, receiveMaximum);
    }

    /** A routed message arrives; its Enqueued record (if persistent) is already durable. */
    public void deliver(Delivery d) {
        if (session.ended()) {
            return;
        }
        if (d.qos() == 0) {
            Outlet out = session.outlet();
            if (out != null && !d.message().expired(System.currentTimeMillis()) && out.fits(d.message())) {
                if (out.draining()) {
                    session.loop().then(() -> send(out, 0, d, false));
                } else {
                    dropped++; // a stalled reader gets no QoS 0 until its socket drains
                    session.loop().counters().dropSlowReader();
                }
            }
            return;
        }
        if (!known.add(d.message().id())) {
            if (MessageTrace.ON) {
                MessageTrace.step("client " + session.clientId() + ": known already, not delivered", d.message());
            }
            return;
        }
        if (relaysUntil != 0 && System.nanoTime() < relaysUntil && recentlyDone(d.message().id())) {
            known.remove(d.message().id()); // delivered directly, and now relayed back from its old node (E3)
            if (MessageTrace.ON) {
                MessageTrace.step("client " + session.clientId() + ": done recently, not delivered", d.message());
            }
            return;
        }
        if (MessageTrace.ON) {
            MessageTrace.step("client " + session.clientId() + ": queued", d.message());
        }
        queue.add(d);
        queued = queue.size();
        pump();
    }

    /** Restores an entry replayed from the journal, in its original order. */
    public void restoreQueued(Delivery d) {
        if (known.add(d.message().id())) {
            queue.add(d);
            queued = queue.size();
        }
    }

    public void restoreInflight(int packetId, Delivery d, boolean pubrecReceived) {
        known.add(d.message().id());
        inflight.put(packetId, new InFlight(d, pubrecReceived));
        inflightSize = inflight.size();
        lastPacketId = packetId;
    }

    /** Sends from the queue while the window has room; (s, q) is durable before PUBLISH(q) (E3). */
    public void pump() {
        JournalBatcher loop = session.loop();
        long now = System.currentTimeMillis();
        while (session.outlet() != null && session.outlet().startsHandshakes() && inflight.size() < window && !queue.isEmpty()) {
            Delivery d = queue.poll();
            queued = queue.size();
            if (d.message().expired(now) || !session.outlet().fits(d.message())) {
                // expired while waiting (MQTT-3.3.2-5), or too big for this client (MQTT-3.1.2-25): never sent
                known.remove(d.message().id());
                dropped++;
                if (d.message().expired(now)) {
                    loop.counters().dropExpired();
                } else {
                    loop.counters().dropTooLarge();
                }
                if (session.persistent()) {
                    loop.record(new Record.Dequeued(session.clientId(), d.message().id()));
                }
                continue;
            }
            int q = nextPacketId();
            inflight.put(q, new InFlight(d, false));
            inflightSize = inflight.size();
            if (session.persistent()) {
                loop.record(new Record.Sent(session.clientId(), q, d.message().id()));
            }
            Outlet out = session.outlet();
            loop.then(() -> send(out, q, d, false));
        }
    }

    /** After CONNACK on a kept session: unacknowledged PUBLISH (DUP=1, same id) and PUBREL, in order (§4.4). */
    public void resend() {
        Outlet out = session.outlet();
        // the entries in flight now: pump() below adds new ones before this action runs, and those are
        // sent once, by pump, as new PUBLISHes (sending them here too made the client see each twice)
        Map<Integer, InFlight> earlier = new LinkedHashMap<>(inflight);
        session.loop().then(() -> earlier.forEach((packetId, f) -> {
            if (inflight.get(packetId) != f) {
                return; // completed meanwhile
            }
            if (f.pubrecReceived) {
                session.loop().counters().pubrelResent();
                out.pubrel(packetId, true);
            } else {
                session.loop().counters().publishResent();
                send(out, packetId, f.delivery, true);
            }
        }));
        pump();
    }

    public void onPuback(int packetId) {
        InFlight f = inflight.get(packetId);
        if (f == null || f.delivery.qos() != 1) {
            return; // late or unknown acknowledgement: nothing is waiting for it
        }
        complete(packetId, f);
    }

    /**
     * PUBREC(q): durable before PUBREL(q), so a crash never resends PUBLISH(q) after the client released q.
     * With a reason code of 0x80 or more ({@code refused}) it ends the delivery: no PUBREL (MQTT-4.3.3-4), no
     * retransmission (MQTT-4.4.0-2), not handed to another shared member (MQTT-4.8.2-6).
     */
    public void onPubrec(int packetId, boolean refused) {
        InFlight f = inflight.get(packetId);
        Outlet out = session.outlet();
        if (refused) {
            if (f != null && f.delivery.qos() == 2 && !f.pubrecReceived) {
                complete(packetId, f);
            }
            return;
        }
        if (f == null || f.delivery.qos() != 2) {
            session.loop().then(() -> out.pubrel(packetId, false));
            return;
        }
        if (!f.pubrecReceived) {
            f.pubrecReceived = true;
            if (session.persistent()) {
                session.loop().record(new Record.PubrecReceived(session.clientId(), packetId));
            }
        }
        session.loop().then(() -> {
            FaultPoint.BEFORE_PUBREL.reach(session.clientId());
            out.pubrel(packetId, true);
        });
    }

    public void onPubcomp(int packetId) {
        FaultPoint.PUBCOMP_ARRIVED.reach(session.clientId());
        InFlight f = inflight.get(packetId);
        if (f == null || !f.pubrecReceived) {
            return;
        }
        complete(packetId, f);
    }

    private void complete(int packetId, InFlight f) {
        inflight.remove(packetId);
        inflightSize = inflight.size();
        known.remove(f.delivery.message().id());
        done[doneNext] = f.delivery.message().id();
        doneNext = (doneNext + 1) % done.length;
        if (session.persistent()) {
            // lazy: a lost completion only means a harmless resend (DESIGN.md §2a)
            session.loop().record(new Record.Completed(session.clientId(), packetId));
        }
        pump();
    }

    /** Shared-subscription messages still queued, and QoS 1 ones in flight, in order: to hand to other members. */
    public List<Delivery> unfinishedShared() {
        List<Delivery> out = new ArrayList<>();
        inflight.values().forEach(f -> {
            // a QoS 2 PUBLISH already sent stays with its member: never to another one (MQTT-4.8.2-5)
            if (f.delivery.shared() && f.delivery.qos() == 1) {
                out.add(f.delivery);
            }
        });
        queue.forEach(d -> {
            if (d.shared()) {
                out.add(d);
            }
        });
        return out;
    }

    /** An in-flight entry as a session hand-over carries it. */
    public record Sent(int packetId, Delivery delivery, boolean pubrecReceived) {
    }

    /** The queued messages, oldest first (a session moving to another node takes them along). */
    public List<Delivery> queuedDeliveries() {
        return new ArrayList<>(queue);
    }

    /** The in-flight entries in send order (a session moving to another node takes them along). */
    public List<Sent> sent() {
        List<Sent> out = new ArrayList<>(inflight.size());
        inflight.forEach((p, f) -> out.add(new Sent(p, f.delivery, f.pubrecReceived)));
        return out;
    }

    /** Drops everything (clean start, or the session ended). */
    public void clear() {
        queue.clear();
        inflight.clear();
        known.clear();
        queued = 0;
        inflightSize = 0;
    }

    /** Messages dropped for this session because they expired or were too big for the client. */
    public long droppedCount() {
        return dropped;
    }

    public int inflightCount() {
        return inflight.size();
    }

    /** PUBLISHes in flight, readable from any thread (may lag the owning loop by a turn). */
    public int inflightNow() {
        return inflightSize;
    }

    /** The most PUBLISHes in flight at once towards this client: max-inflight, or its lower Receive Maximum. */
    public int window() {
        return window;
    }

    /** One in-flight entry as the admin API shows it. */
    public record Pending(int packetId, int qos, String topic, boolean pubrecReceived) {
    }

    /** The in-flight window in send order; on the owning loop only. */
    public List<Pending> pending() {
        List<Pending> out = new ArrayList<>(inflight.size());
        inflight.forEach((p, f) -> out.add(new Pending(p, f.delivery.qos(), f.delivery.message().topic(), f.pubrecReceived)));
        return out;
    }

    private void send(Outlet out, int packetId, Delivery d, boolean dup) {
        if (session.outlet() == out && out != null) {
            out.publish(packetId, d.message(), d.qos(), dup, d.retain());
            if (FaultPoint.ARMED && !dup && d.qos() == 2 && d.message().origin() != null) {
                FaultPoint.FORWARD_SENT.reach(session.clientId());
            }
        }
    }

    private int nextPacketId() {
        int id = lastPacketId;
        do {
            id = id == 65535 ? 1 : id + 1;
        } while (inflight.containsKey(id));
        lastPacketId = id;
        return id;
    }
}
