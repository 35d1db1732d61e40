package io.oncemq.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** One request on its way to a service of another node; runs there and answers once the service is done. */
final class NodeCall implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {

    static final int FACTORY = 0x0CE;
    private static final int ID = 1;
    private String service;
    /** The member id of the node's life the call was made for. */
    private String target;
    private String caller;
    private byte[] request;
    /** How long the caller waits for the answer: the executor thread is not held longer than that. */
    private long timeoutSeconds;
    private transient HazelcastInstance hazelcast;

    NodeCall() {
    }

    NodeCall(String service, String target, String caller, byte[] request, long timeoutSeconds) {
        this.service = service;
        this.target = target;
        this.caller = caller;
        this.request = request;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public byte[] call() throws Exception {
        if (!target.equals(hazelcast.getCluster().getLocalMember().getUuid().toString())) {
            // a call that reaches the node's address after it restarted (on its way while it died) is not for this
            // life: what it carried for the life that ended (a forward for its sessions, adopted elsewhere) would be lost
            throw new IllegalStateException("a call meant for an earlier life of this node (" + target + ")");
        }
        NodeCalls.Service s = (NodeCalls.Service) hazelcast.getUserContext().get(NodeCalls.SERVICE_PREFIX + service);
        if (s == null) {
            throw new IllegalStateException("service " + service + " not ready on this node yet");
        }
        // an executor thread, not an event loop: waiting here is what makes the caller's answer mean done
        // (no longer than the caller waits: its retry is a repeat the service drops, and must find a free thread)
        return s.handle(caller, request).get(timeoutSeconds, TimeUnit.SECONDS);
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
        out.writeString(service);
        out.writeString(target);
        out.writeString(caller);
        out.writeByteArray(request);
        out.writeLong(timeoutSeconds);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        service = in.readString();
        target = in.readString();
        caller = in.readString();
        request = in.readByteArray();
        timeoutSeconds = in.readLong();
    }
}
