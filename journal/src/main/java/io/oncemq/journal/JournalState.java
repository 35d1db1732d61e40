package io.oncemq.journal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The live state the journal's records describe, rebuilt by applying them in order: kept sessions,
 * the messages they refer to, retained topics. Used for replay and for compacting snapshots.
 * Not thread-safe: one owner at a time.
 */
public final class JournalState {

    /** One kept session as the journal knows it. */
    public static final class SessionState {
        private final String clientId;
        private long expirySeconds;
        private final Map<String, Record.Subscribed> subscriptions = new LinkedHashMap<>();
        private final Map<Long, Integer> queue = new LinkedHashMap<>();
        private final Map<Integer, Inflight> inflight = new LinkedHashMap<>();
        private final Map<Integer, Long> receipts = new LinkedHashMap<>();
        private Record.WillStored will;

        SessionState(String clientId, long expirySeconds) {
            this.clientId = clientId;
            this.expirySeconds = expirySeconds;
        }

        public String clientId() {
            return clientId;
        }

        public long expirySeconds() {
            return expirySeconds;
        }

        /** Filter to its subscription, in subscription order. */
        public Map<String, Record.Subscribed> subscriptions() {
            return subscriptions;
        }

        /** Message id to delivery QoS, oldest first. */
        public Map<Long, Integer> queue() {
            return queue;
        }

        /** Outbound packet id to its entry, in send order. */
        public Map<Integer, Inflight> inflight() {
            return inflight;
        }

        /** Inbound QoS 2 packet id held to its message id. */
        public Map<Integer, Long> receipts() {
            return receipts;
        }

        /** The will the session holds, or null. */
        public Record.WillStored will() {
            return will;
        }
    }

    /** An outbound message sent with a packet id, before or after its PUBREC. */
    public record Inflight(long messageId, int qos, boolean pubrecReceived) {
    }

    private final Map<String, SessionState> sessions = new LinkedHashMap<>();
    private final Map<Long, Record.MessageStored> messages = new HashMap<>();
    private final Map<Long, Integer> references = new HashMap<>();
    private final Map<String, Long> retained = new LinkedHashMap<>();
    private final Set<Long> unrouted = new LinkedHashSet<>();
    private final Set<Long> unreferenced = new HashSet<>();
    private final Map<String, LinkedHashSet<Long>> acceptedForwards = new LinkedHashMap<>();
    /** Where stored messages that came from other nodes were first accepted, by message id. */
    private final Map<Long, Record.ForwardAccepted> origins = new HashMap<>();
    private long maxMessageId;
    /** Per client id, the epoch of its last move to this node; kept after the session ends (E5). */
    private final Map<String, Long> epochs = new HashMap<>();

    /**
     * How many forwarded message ids are remembered per origin. A forward is retried only for receipts
     * its origin had not yet marked routed: a few batches' worth, far below this bound.
     */
    public static final int ACCEPTED_FORWARDS_KEPT = 65_536;

    public Map<String, SessionState> sessions() {
        return sessions;
    }

    public Map<Long, Record.MessageStored> messages() {
        return messages;
    }

    public Map<String, Long> retained() {
        return retained;
    }

    public long maxMessageId() {
        return maxMessageId;
    }

    /** Messages of held receipts not yet routed to their subscribers (E3: route them on replay). */
    public Set<Long> unroutedMessages() {
        return unrouted;
    }

    /** Per origin node, the ids of the messages it forwarded that were routed here, oldest first (E3). */
    public Map<String, LinkedHashSet<Long>> acceptedForwards() {
        return acceptedForwards;
    }

    /** The origin of a stored message another node forwarded, or null for one accepted here. */
    public Record.ForwardAccepted origin(long messageId) {
        return origins.get(messageId);
    }

    /** Per client id, the epoch of its last move to this node, for sessions kept and ended alike (E5). */
    public Map<String, Long> epochs() {
        return epochs;
    }

    /** The epoch of the client id's last move to this node; 0 if none was journaled (a node alone, or an older journal). */
    public long epoch(String clientId) {
        return epochs.getOrDefault(clientId, 0L);
    }

    public void apply(Record r) {
        if (r instanceof Record.SessionOpened o) {
            SessionState s = sessions.get(o.clientId());
            if (s == null) {
                sessions.put(o.clientId(), new SessionState(o.clientId(), o.expirySeconds()));
            } else {
                s.expirySeconds = o.expirySeconds();
            }
        } else if (r instanceof Record.SessionEnded e) {
            SessionState s = sessions.remove(e.clientId());
            if (s != null) {
                s.queue.keySet().forEach(this::release);
                s.inflight.values().forEach(f -> release(f.messageId()));
                s.receipts.values().forEach(this::releaseReceipt);
            }
        } else if (r instanceof Record.MessageStored m) {
            maxMessageId = Math.max(maxMessageId, m.messageId());
            if (messages.put(m.messageId(), m) == null) {
                unreferenced.add(m.messageId());
            }
        } else if (r instanceof Record.Routed routed) {
            unrouted.remove(routed.messageId());
        } else if (r instanceof Record.RetainedSet set) {
            if (messages.containsKey(set.messageId())) {
                retain(set.messageId());
                release(retained.put(set.topic(), set.messageId()));
            }
        } else if (r instanceof Record.RetainedCleared cleared) {
            release(retained.remove(cleared.topic()));
        } else if (r instanceof Record.ForwardAccepted f) {
            LinkedHashSet<Long> ids = acceptedForwards.computeIfAbsent(f.origin(), o -> new LinkedHashSet<>());
            ids.add(f.originId());
            if (ids.size() > ACCEPTED_FORWARDS_KEPT) {
                ids.remove(ids.iterator().next());
            }
            if (f.messageId() != 0 && messages.containsKey(f.messageId())) {
                origins.put(f.messageId(), f);
            }
        } else if (r instanceof Record.SessionEpoch e) {
            epochs.merge(e.clientId(), e.epoch(), Math::max);
        } else if (r instanceof Record.MessageIdFloor floor) {
            maxMessageId = Math.max(maxMessageId, floor.messageId());
        } else {
            applyToSession(r);
        }
    }

    /** Records that change one session; ignored when the session is unknown (it ended meanwhile). */
    private void applyToSession(Record r) {
        if (r instanceof Record.Subscribed sub) {
            session(sub.clientId()).ifPresent(s -> s.subscriptions.put(sub.filter(), sub));
        } else if (r instanceof Record.Unsubscribed u) {
            session(u.clientId()).ifPresent(s -> s.subscriptions.remove(u.filter()));
        } else if (r instanceof Record.Enqueued q) {
            session(q.clientId()).ifPresent(s -> enqueue(s, q.messageId(), q.qos()));
        } else if (r instanceof Record.Dequeued d) {
            session(d.clientId()).ifPresent(s -> {
                if (s.queue.remove(d.messageId()) != null) {
                    release(d.messageId());
                }
            });
        } else if (r instanceof Record.Sent sent) {
            session(sent.clientId()).ifPresent(s -> send(s, sent.packetId(), sent.messageId()));
        } else if (r instanceof Record.PubrecReceived p) {
            session(p.clientId()).ifPresent(s -> s.inflight.computeIfPresent(p.packetId(),
                    (id, f) -> new Inflight(f.messageId(), f.qos(), true)));
        } else if (r instanceof Record.Completed c) {
            session(c.clientId()).ifPresent(s -> {
                Inflight f = s.inflight.remove(c.packetId());
                release(f == null ? null : f.messageId());
            });
        } else if (r instanceof Record.ReceiptHeld h) {
            session(h.clientId()).ifPresent(s -> {
                if (messages.containsKey(h.messageId())) {
                    retain(h.messageId());
                    releaseReceipt(s.receipts.put(h.packetId(), h.messageId()));
                    unrouted.add(h.messageId());
                }
            });
        } else if (r instanceof Record.ReceiptReleased rel) {
            session(rel.clientId()).ifPresent(s -> releaseReceipt(s.receipts.remove(rel.packetId())));
        } else if (r instanceof Record.WillStored w) {
            session(w.clientId()).ifPresent(s -> s.will = w);
        } else if (r instanceof Record.WillCleared w) {
            session(w.clientId()).ifPresent(s -> s.will = null);
        }
    }

    private void enqueue(SessionState s, long id, int qos) {
        // idempotent by message id: a retried routing is a no-op (E3)
        if (messages.containsKey(id) && !s.queue.containsKey(id) && !inflightHas(s, id)) {
            s.queue.put(id, qos);
            retain(id);
        }
    }

    private void send(SessionState s, int packetId, long id) {
        Record.MessageStored m = messages.get(id);
        if (m == null) {
            return;
        }
        Integer qos = s.queue.remove(id);
        if (qos == null) {
            retain(id);
        }
        Inflight old = s.inflight.put(packetId, new Inflight(id, qos == null ? m.qos() : qos, false));
        release(old == null ? null : old.messageId());
    }

    /** Drops messages stored in the batch just applied that nothing refers to. */
    public void endOfBatch() {
        for (long id : unreferenced) {
            if (references.getOrDefault(id, 0) == 0) {
                messages.remove(id);
                unrouted.remove(id);
                origins.remove(id);
            }
        }
        unreferenced.clear();
    }

    /** Records that rebuild an equal state when applied to an empty one. */
    public List<Record> snapshotRecords() {
        List<Record> out = new ArrayList<>(messages.size() + sessions.size() * 4 + retained.size() + 1);
        out.add(new Record.MessageIdFloor(maxMessageId));
        out.addAll(messages.values());
        for (SessionState s : sessions.values()) {
            out.add(new Record.SessionOpened(s.clientId, s.expirySeconds));
            out.addAll(s.subscriptions.values());
            s.queue.forEach((id, qos) -> out.add(new Record.Enqueued(s.clientId, id, qos)));
            s.inflight.forEach((p, f) -> {
                out.add(new Record.Enqueued(s.clientId, f.messageId(), f.qos()));
                out.add(new Record.Sent(s.clientId, p, f.messageId()));
                if (f.pubrecReceived()) {
                    out.add(new Record.PubrecReceived(s.clientId, p));
                }
            });
            s.receipts.forEach((p, id) -> out.add(new Record.ReceiptHeld(s.clientId, p, id)));
            if (s.will != null) {
                out.add(s.will);
            }
        }
        retained.forEach((topic, id) -> out.add(new Record.RetainedSet(topic, id)));
        acceptedForwards.forEach((origin, ids) -> ids.forEach(id -> out.add(new Record.ForwardAccepted(origin, id, 0))));
        out.addAll(origins.values());
        epochs.forEach((clientId, epoch) -> out.add(new Record.SessionEpoch(clientId, epoch)));
        for (SessionState s : sessions.values()) {
            for (long id : s.receipts.values()) {
                if (!unrouted.contains(id)) {
                    out.add(new Record.Routed(id));
                }
            }
        }
        return out;
    }

    /** How many records a snapshot of this state would hold. */
    public int snapshotSize() {
        int n = 1 + messages.size() + retained.size();
        for (Set<Long> ids : acceptedForwards.values()) {
            n += ids.size();
        }
        n += origins.size() + epochs.size();
        for (SessionState s : sessions.values()) {
            n += 2 + s.subscriptions.size() + s.queue.size() + 3 * s.inflight.size() + 2 * s.receipts.size();
        }
        return n;
    }

    /** A released receipt no longer asks for routing: each message id is held by one receipt only. */
    private void releaseReceipt(Long id) {
        if (id != null) {
            unrouted.remove(id);
        }
        release(id);
    }

    private boolean inflightHas(SessionState s, long id) {
        for (Inflight f : s.inflight.values()) {
            if (f.messageId() == id) {
                return true;
            }
        }
        return false;
    }

    private Optional<SessionState> session(String clientId) {
        return Optional.ofNullable(sessions.get(clientId));
    }

    private void retain(long id) {
        references.merge(id, 1, Integer::sum);
    }

    private void release(Long id) {
        Integer n = id == null ? null : references.get(id);
        if (n == null) {
            return;
        }
        if (n <= 1) {
            references.remove(id);
            messages.remove(id);
            unrouted.remove(id);
            origins.remove(id);
        } else {
            references.put(id, n - 1);
        }
    }
}
