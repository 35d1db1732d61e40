package io.oncemq.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.concurrent.Callable;

/** A {@link Fence} round trip: runs on another node and answers whether that node counts the caller as a member now. */
final class FenceProbe implements Callable<Boolean>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int FACTORY = 0x0CF;
    static final int ID = 1;

    private String caller;
    private transient HazelcastInstance hazelcast;

    FenceProbe() {
    }

    FenceProbe(String caller) {
        this.caller = caller;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public Boolean call() {
        // Hazelcast already refuses a task from an address it does not count as a member; the name check
        // also says no for a member that is not the caller's node any more
        boolean counts = hazelcast.getCluster().getMembers().stream().anyMatch(m -> caller.equals(m.getAttribute(Membership.NODE)));
        if (counts) {
            Fence.grants(hazelcast).granted(caller); // before the answer leaves: an adopter of the caller waits it out
        }
        return counts;
    }

    @Override
    public int getFactoryId() {
        return FACTORY;
    }

    @Override
    public int getClassId() {
        return ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(caller);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        caller = in.readString();
    }
}
