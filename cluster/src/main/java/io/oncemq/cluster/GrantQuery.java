package io.oncemq.cluster;

/** Asks a node how many nanoseconds ago it last confirmed {@code node} as a member ({@link LeaseGrants}). */
final class GrantQuery extends FenceTask<Long> {

    static final int ID = 2;

    GrantQuery() {
    }

    GrantQuery(String node) {
        super(node);
    }

    @Override
    public Long call() {
        return Fence.grants(hazelcast).nanosSince(node);
    }

    @Override
    public int getClassId() {
        return ID;
    }
}
