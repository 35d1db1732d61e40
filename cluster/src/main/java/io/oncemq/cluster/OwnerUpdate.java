package io.oncemq.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.Map;

/**
 * One atomic change of a client id's owners-map entry ({@code node}, {@code epoch}) on its partition, so that
 * every move of a session gets an epoch above all earlier ones (E5). Answers the entry as it was before.
 * Hand-written serialisation, no Java serialisation.
 */
final class OwnerUpdate implements EntryProcessor<String, String, String>, IdentifiedDataSerializable {

    static final int ID = 2;
    /** {@code node} serves the client id now; a move from another node (or from nobody) raises the epoch. */
    static final byte CLAIM = 1;
    /** Like CLAIM, but only if {@code from} is still the owner (an adoption racing a connection elsewhere). */
    static final byte TAKE = 2;
    /** Cold start: {@code node} holds the client id at {@code epoch}; the highest (epoch, node) wins. */
    static final byte OFFER = 3;
    /** {@code node} gives the client id back to {@code from}, at the same epoch, if it still owns it at {@code epoch}. */
    static final byte GIVE_BACK = 4;

    private byte kind;
    private String node;
    private String from;
    private long epoch;

    /** For Hazelcast's factory. */
    OwnerUpdate() {
    }

    OwnerUpdate(byte kind, String node, String from, long epoch) {
        this.kind = kind;
        this.node = node;
        this.from = from == null ? "" : from;
        this.epoch = epoch;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
        String before = entry.getValue();
        Owners.Owner now = Owners.Owner.parse(before);
        Owners.Owner next = switch (kind) {
            case CLAIM -> now.claimedBy(node);
            case TAKE -> node.equals(now.node()) || from.equals(now.node()) ? now.claimedBy(node) : now;
            case OFFER -> now.olderThan(epoch, node) ? new Owners.Owner(node, epoch) : now;
            case GIVE_BACK -> node.equals(now.node()) && now.epoch() == epoch ? new Owners.Owner(from, epoch) : now;
            default -> throw new IllegalStateException("owner update of kind " + kind);
        };
        if (!next.equals(now)) {
            entry.setValue(next.format());
        }
        return before;
    }

    @Override
    public int getFactoryId() {
        return NodeCall.FACTORY;
    }

    @Override
    public int getClassId() {
        return ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(kind);
        out.writeString(node);
        out.writeString(from);
        out.writeLong(epoch);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        kind = in.readByte();
        node = in.readString();
        from = in.readString();
        epoch = in.readLong();
    }
}
