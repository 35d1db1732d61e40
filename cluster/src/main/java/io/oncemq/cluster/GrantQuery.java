package io.oncemq.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.concurrent.Callable;

/** Asks a node how many nanoseconds ago it last confirmed {@code node} as a member ({@link LeaseGrants}). */
final class GrantQuery implements Callable<Long>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int ID = 2;

    private String node;
    private transient HazelcastInstance hazelcast;

    GrantQuery() {
    }

    GrantQuery(String node) {
        this.node = node;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public Long call() {
        return Fence.grants(hazelcast).nanosSince(node);
    }

    @Override
    public int getFactoryId() {
        return FenceProbe.FACTORY;
    }

    @Override
    public int getClassId() {
        return ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(node);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        node = in.readString();
    }
}
