package io.oncemq.cluster;

import com.hazelcast.map.IMap;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Which node serves each client id (E4): a Hazelcast map with synchronous backups. A node claims a client
 * id when a connection for it arrives; the node that held it before is asked to hand the session over.
 */
public final class Owners {

    private static final String MAP = "oncemq.owners";
    private static final String ADOPTED = "oncemq.adopted";
    private static final String COPIES = "oncemq.copies";

    private final IMap<String, String> owners;
    private final IMap<String, String> adopted;
    private final IMap<String, String> copies;
    private final String self;

    private Owners(IMap<String, String> owners, IMap<String, String> adopted, IMap<String, String> copies, String self) {
        this.owners = owners;
        this.adopted = adopted;
        this.copies = copies;
        this.self = self;
    }

    public static Owners open(Membership membership) {
        return new Owners(membership.hazelcast().getMap(MAP), membership.hazelcast().getMap(ADOPTED),
                membership.hazelcast().getMap(COPIES), membership.nodeName());
    }

    /** This node holds the current copy of {@code node}'s journal (it just received its whole state). Blocks. */
    public void holdCopyOf(String node) {
        copies.set(node, self);
    }

    /** The node holding the current copy of {@code node}'s journal, or null. Blocks. */
    public String copyHolder(String node) {
        return copies.get(node);
    }

    /**
     * Blocks until the entry naming who holds {@code node}'s copy is removed or changed, or {@code also} is
     * called, or the timeout passes; returns at once if it no longer names {@code holder}.
     */
    public void awaitCopyReleased(String node, String holder, long timeoutSeconds, Consumer<Runnable> also)
            throws InterruptedException {
        CountDownLatch changed = new CountDownLatch(1);
        UUID listener = copies.addEntryListener(new CopyChanged(changed), node, false);
        try {
            also.accept(changed::countDown);
            if (holder.equals(copies.get(node))) {
                changed.await(timeoutSeconds, TimeUnit.SECONDS);
            }
        } finally {
            copies.removeEntryListener(listener);
        }
    }

    private record CopyChanged(CountDownLatch changed) implements EntryRemovedListener<String, String>,
            EntryUpdatedListener<String, String> {
        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            changed.countDown();
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            changed.countDown();
        }
    }

    /** Whether this node holds the current copy of {@code node}'s journal: the one to adopt it if it dies. Blocks. */
    public boolean holdsCopyOf(String node) {
        return self.equals(copies.get(node));
    }

    /** Takes the client id over from a node that died, unless another node claimed it meanwhile. Blocks. */
    public boolean takeFrom(String clientId, String deadNode) {
        return owners.replace(clientId, deadNode, self);
    }

    /**
     * This node now holds what the dead node's copy held, as it was in its life {@code life} (the member id
     * it had then: {@link Membership#departedLife}); forwards for that life come here, also after it
     * restarts, since the sessions stay here (E3). Blocks.
     */
    public void adopted(String deadNode, String life) {
        adopted.set(deadNode, self + "@" + life);
    }

    /** Who adopted a dead node's sessions, and which life of it (its member id then). */
    public record Adopter(String node, String life) {
        /**
         * Whether this adoption is of the node's life that ended last as seen here ({@code departed}; null when
         * this node saw none end, and then the latest adoption is the best there is).
         */
        public boolean of(String departed) {
            return departed == null || departed.equals(life);
        }

        static Adopter parse(String value) {
            if (value == null) {
                return null;
            }
            int at = value.lastIndexOf('@');
            return new Adopter(value.substring(0, at), value.substring(at + 1));
        }
    }

    /** The node that last adopted what a node held when it died, or null (not yet, or never). */
    public CompletionStage<Adopter> adopterOf(String deadNode) {
        return adopted.getAsync(deadNode).thenApply(Adopter::parse);
    }

    /** The dead node's copy here has been adopted: nothing is left to wait for. Blocks. */
    public void copyAdopted(String node) {
        copies.remove(node, self);
    }

    /** Makes this node the owner; completes with the node that owned the client id before, or null. */
    public CompletionStage<String> claim(String clientId) {
        return owners.putAsync(clientId, self);
    }

    /** The owner now, or null. Blocks: not on an event loop. */
    public String owner(String clientId) {
        return owners.get(clientId);
    }

}
