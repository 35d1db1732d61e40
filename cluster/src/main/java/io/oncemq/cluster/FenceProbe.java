package io.oncemq.cluster;

/** A {@link Fence} round trip: runs on another node and answers whether that node counts the caller as a member now. */
final class FenceProbe extends FenceTask<Boolean> {

    static final int ID = 1;

    FenceProbe() {
    }

    /** {@code caller}: the node asking. */
    FenceProbe(String caller) {
        super(caller);
    }

    @Override
    public Boolean call() {
        // Hazelcast already refuses a task from an address it does not count as a member; the name check
        // also says no for a member that is not the caller's node any more
        boolean counts = hazelcast.getCluster().getMembers().stream().anyMatch(m -> node.equals(m.getAttribute(Membership.NODE)));
        if (counts) {
            Fence.grants(hazelcast).granted(node); // before the answer leaves: an adopter of the caller waits it out
        }
        return counts;
    }

    @Override
    public int getClassId() {
        return ID;
    }
}
