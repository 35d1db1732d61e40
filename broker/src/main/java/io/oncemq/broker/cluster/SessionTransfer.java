package io.oncemq.broker.cluster;

import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.qos.OutboundFlow.Sent;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.MessageProperties;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kept session on its way to another node (E4): expiry, subscriptions, queue, in-flight window with its
 * packet ids and states, held QoS 2 receipts; each message with the identity of the node that first
 * accepted it. Hand-written binary form, a version byte first.
 */
record SessionTransfer(long expirySeconds, Map<String, Subscription> subscriptions, List<Delivery> queue, List<Sent> inflight,
                       Map<Integer, Long> receipts) {

    private static final byte VERSION = 1;

    /** What a kept session holds now; the caller runs on its loop with nothing of it pending. */
    static SessionTransfer of(Session s) {
        return new SessionTransfer(s.expirySeconds(), new LinkedHashMap<>(s.subscriptions()), s.outbound().queuedDeliveries(),
                s.outbound().sent(), new LinkedHashMap<>(s.inbound().held()));
    }

    /**
     * What a dead node's copy holds for one of its sessions, which leaves the copy; messages keep the
     * identity of the node that first accepted them. Call with the copies locked.
     */
    static SessionTransfer fromCopy(Replicas.Replica r, String clientId) {
        JournalState.SessionState ss = r.state.sessions().get(clientId);
        Map<String, Subscription> subs = new LinkedHashMap<>();
        ss.subscriptions().forEach((filter, sub) -> subs.put(filter, new Subscription(sub.options(), sub.identifier())));
        List<Delivery> queue = new ArrayList<>();
        ss.queue().forEach((id, qos) -> {
            Message m = messageOf(r, id);
            if (m != null) {
                queue.add(Delivery.fromJournal(m, qos));
            }
        });
        List<Sent> inflight = new ArrayList<>();
        ss.inflight().forEach((packetId, f) -> {
            Message m = messageOf(r, f.messageId());
            if (m != null) {
                inflight.add(new Sent(packetId, Delivery.fromJournal(m, f.qos()), f.pubrecReceived()));
            }
        });
        Map<Integer, Long> receipts = new LinkedHashMap<>(ss.receipts());
        SessionTransfer t = new SessionTransfer(ss.expirySeconds(), subs, queue, inflight, receipts);
        r.state.apply(new Record.SessionEnded(clientId));
        r.state.endOfBatch();
        return t;
    }

    /** A stored message of a copy, with the identity of the node that first accepted it; null if not stored. */
    static Message messageOf(Replicas.Replica r, long id) {
        Record.MessageStored ms = r.state.messages().get(id);
        if (ms == null) {
            return null;
        }
        Record.ForwardAccepted from = r.state.origin(id);
        return Message.of(ms).storedAs(id, from == null ? r.caller : from.origin(), from == null ? id : from.originId());
    }

    /** {@code self}: this node's caller name, the origin of the messages it accepted itself. */
    byte[] encode(String self) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(expirySeconds);
            out.writeInt(subscriptions.size());
            for (Map.Entry<String, Subscription> e : subscriptions.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().options());
                out.writeInt(e.getValue().identifier());
            }
            out.writeInt(queue.size());
            for (Delivery d : queue) {
                writeDelivery(out, d, self);
            }
            out.writeInt(inflight.size());
            for (Sent f : inflight) {
                out.writeShort(f.packetId());
                out.writeBoolean(f.pubrecReceived());
                writeDelivery(out, f.delivery(), self);
            }
            out.writeInt(receipts.size());
            for (int packetId : receipts.keySet()) {
                out.writeShort(packetId);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a transfer; messages get their ids from {@code ids} here, except those this node accepted itself
     * ({@code self}), which keep theirs. Receipts get fresh ids too: a routed receipt is only its packet id.
     */
    static SessionTransfer decode(byte[] data, String self, java.util.function.LongSupplier ids) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("session transfer of version " + version + ", this node reads " + VERSION);
            }
            long expiry = in.readLong();
            Map<String, Subscription> subs = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                subs.put(in.readUTF(), new Subscription(in.readInt(), in.readInt()));
            }
            List<Delivery> queue = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                queue.add(readDelivery(in, self, ids));
            }
            List<Sent> inflight = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                int packetId = in.readUnsignedShort();
                boolean pubrec = in.readBoolean();
                inflight.add(new Sent(packetId, readDelivery(in, self, ids), pubrec));
            }
            Map<Integer, Long> receipts = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                receipts.put(in.readUnsignedShort(), ids.getAsLong());
            }
            return new SessionTransfer(expiry, subs, queue, inflight, receipts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeDelivery(DataOutputStream out, Delivery d, String self) throws IOException {
        Message m = d.message();
        out.writeUTF(m.originOr(self));
        out.writeLong(m.originId());
        out.writeUTF(m.topic());
        out.writeByte(m.qos());
        out.writeBoolean(m.retain());
        out.writeInt(m.payload().length);
        out.write(m.payload());
        byte[] props = m.properties().encode();
        out.writeInt(props.length);
        out.write(props);
        out.writeByte(d.journaledQos());
    }

    private static Delivery readDelivery(DataInputStream in, String self, java.util.function.LongSupplier ids) throws IOException {
        String origin = in.readUTF();
        long originId = in.readLong();
        String topic = in.readUTF();
        int qos = in.readByte();
        boolean retain = in.readBoolean();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        byte[] props = new byte[in.readInt()];
        in.readFully(props);
        int journaledQos = in.readByte();
        boolean ours = origin.equals(self);
        Message m = new Message(ours ? originId : ids.getAsLong(), topic, qos, retain, payload, MessageProperties.decode(props),
                ours ? null : origin, originId);
        return Delivery.fromJournal(m, journaledQos);
    }
}
