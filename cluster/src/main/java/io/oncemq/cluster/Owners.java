package io.oncemq.cluster;

import com.hazelcast.map.IMap;

import java.util.concurrent.CompletionStage;

/**
 * Which node serves each client id (E4): a Hazelcast map with synchronous backups. A node claims a client
 * id when a connection for it arrives; the node that held it before is asked to hand the session over.
 */
public final class Owners {

    private static final String MAP = "oncemq.owners";

    private final IMap<String, String> owners;
    private final String self;

    private Owners(IMap<String, String> owners, String self) {
        this.owners = owners;
        this.self = self;
    }

    public static Owners open(Membership membership) {
        return new Owners(membership.hazelcast().getMap(MAP), membership.nodeName());
    }

    /** Makes this node the owner; completes with the node that owned the client id before, or null. */
    public CompletionStage<String> claim(String clientId) {
        return owners.putAsync(clientId, self);
    }

    /** The owner now, or null. Blocks: not on an event loop. */
    public String owner(String clientId) {
        return owners.get(clientId);
    }

    /** This node no longer serves the client id (its session ended); a later owner's claim is left alone. Blocks. */
    public void release(String clientId) {
        owners.remove(clientId, self);
    }
}
