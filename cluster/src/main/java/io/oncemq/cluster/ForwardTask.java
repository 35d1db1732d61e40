package io.oncemq.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** A batch of forwarded messages on its way to one node; runs there and answers once the batch is durable. */
final class ForwardTask implements Callable<Boolean>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int FACTORY = 0x0CE;
    private static final int ID = 1;
    /** Longer than any journal sync; a forward that takes longer fails and is retried by its sender. */
    private static final long DURABLE_TIMEOUT_SECONDS = 30;

    private String origin;
    private byte[] batch;
    private transient HazelcastInstance hazelcast;

    ForwardTask() {
    }

    ForwardTask(String origin, byte[] batch) {
        this.origin = origin;
        this.batch = batch;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public Boolean call() throws Exception {
        Forwarder.Receiver receiver = (Forwarder.Receiver) hazelcast.getUserContext().get(Forwarder.RECEIVER);
        if (receiver == null) {
            throw new IllegalStateException("node not ready for forwards yet");
        }
        // an executor thread, not an event loop: waiting here is what makes the sender's ack mean durable
        receiver.accept(origin, batch).get(DURABLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return Boolean.TRUE;
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
        out.writeString(origin);
        out.writeByteArray(batch);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        origin = in.readString();
        batch = in.readByteArray();
    }
}
