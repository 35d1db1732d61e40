package io.oncemq.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.concurrent.Callable;

/** A {@link Fence} task about one node, run on another member: the node's name is all it carries. */
abstract class FenceTask<T> implements Callable<T>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int FACTORY = 0x0CF;

    /** The node the task is about. */
    String node;
    transient HazelcastInstance hazelcast;

    FenceTask() {
    }

    FenceTask(String node) {
        this.node = node;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public int getFactoryId() {
        return FACTORY;
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
