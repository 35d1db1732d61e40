package io.oncemq.cluster;

import com.hazelcast.map.IMap;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Which node serves each client id (E4), and the epoch of that session (E5): a Hazelcast map with synchronous
 * backups. A node claims a client id when a connection for it arrives; the node that held it before is asked
 * to hand the session over. Each move raises the epoch, atomically on the entry ({@link OwnerUpdate}).
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

    /**
     * The nodes holding the copies of a node's journal that it sent in its life {@code life} (its member id then), in
     * the order they adopt it: the first live one does. A restart under the same name writes a new entry.
     */
    public record CopyHolders(String life, List<String> nodes) {
        /** No entry. */
        public static final CopyHolders NONE = new CopyHolders("", List.of());
        private static final char LIFE_END = '|';

        public CopyHolders {
            nodes = List.copyOf(nodes);
        }

        /** The entry's text form, as a copy request carries it. */
        public String format() {
            return life + LIFE_END + String.join(",", nodes);
        }

        /** The entry in its text form; null or empty: {@link #NONE}. */
        public static CopyHolders parse(String value) {
            if (value == null || value.isEmpty()) {
                return NONE;
            }
            int end = value.indexOf(LIFE_END);
            String names = value.substring(end + 1);
            return new CopyHolders(value.substring(0, end), names.isEmpty() ? List.of() : List.of(names.split(",")));
        }
    }

    /** This node holds a current copy of {@code node}'s journal (it just received its whole state), as do the others named. Blocks. */
    public void holdCopyOf(String node, CopyHolders holders) {
        copies.set(node, holders.format());
    }

    /** Who holds the current copies of {@code node}'s journal ({@link CopyHolders#NONE} if nobody). Blocks. */
    public CopyHolders copyHolders(String node) {
        return CopyHolders.parse(copies.get(node));
    }

    /** Who holds the current copies of {@code node}'s journal ({@link CopyHolders#NONE} if nobody). */
    public CompletionStage<CopyHolders> copyHoldersOf(String node) {
        return copies.getAsync(node).thenApply(CopyHolders::parse);
    }

    /**
     * Blocks until the entry naming who holds {@code node}'s copies is no longer {@code holders} (removed once
     * adopted, or replaced), or the timeout passes.
     */
    public void awaitCopyReleased(String node, CopyHolders holders, long timeoutSeconds) throws InterruptedException {
        CountDownLatch changed = new CountDownLatch(1);
        UUID listener = copies.addEntryListener(new CopyChanged(changed), node, false);
        try {
            if (holders.equals(copyHolders(node))) {
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

    /**
     * Takes the client id over from a node that died, unless another node claimed it meanwhile. Returns the
     * session's epoch here, or -1 if another node owns it. Blocks.
     */
    public long takeFrom(String clientId, String deadNode) {
        Owner before = Owner.parse(owners.executeOnKey(clientId, new OwnerUpdate(OwnerUpdate.TAKE, self, deadNode, 0)));
        return deadNode.equals(before.node()) || self.equals(before.node()) ? before.claimedBy(self).epoch() : -1;
    }

    /** Cold start: this node's journal holds the client id at {@code epoch}; the newest (epoch, node) becomes the owner. */
    public CompletionStage<String> offer(String clientId, long epoch) {
        return owners.submitToKey(clientId, new OwnerUpdate(OwnerUpdate.OFFER, self, null, epoch));
    }

    /** A client id's owner and the epoch of its session there; node null: never claimed. */
    public record Owner(String node, long epoch) {
        private static final char SEPARATOR = '\u0000';

        static Owner parse(String value) {
            if (value == null) {
                return new Owner(null, 0);
            }
            int sep = value.lastIndexOf(SEPARATOR);
            return new Owner(value.substring(0, sep), Long.parseLong(value.substring(sep + 1)));
        }

        String format() {
            return node + SEPARATOR + epoch;
        }

        /** The entry once {@code by} serves the client id: a move (from another node or nobody) is a new epoch. */
        Owner claimedBy(String by) {
            return by.equals(node) ? this : new Owner(by, epoch + 1);
        }

        /** Whether a copy at ({@code e}, {@code n}) is newer; equal epochs go to the greater node name (any fixed rule would do). */
        boolean olderThan(long e, String n) {
            return node == null || e > epoch || (e == epoch && n.compareTo(node) > 0);
        }
    }

    /** What a claim found, and the session's epoch on this node after it. */
    public record Claim(String previous, long epoch) {
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

    /** The dead node's copies named {@code holders} have been adopted (here): nothing is left to wait for. Blocks. */
    public void copyAdopted(String node, CopyHolders holders) {
        copies.remove(node, holders.format()); // not an entry of a later life of the node
    }

    /** Makes this node the owner; completes with the node that owned the client id before (or null) and the epoch now. */
    public CompletionStage<Claim> claim(String clientId) {
        return owners.submitToKey(clientId, new OwnerUpdate(OwnerUpdate.CLAIM, self, null, 0)).thenApply(before -> {
            Owner b = Owner.parse(before);
            return new Claim(b.node(), b.claimedBy(self).epoch());
        });
    }

    /**
     * This node could not bring the client id's session here: the id goes back to {@code previous}, keeping the
     * epoch, unless another node claimed it meanwhile. The session stays where it is (or with the adopter of
     * {@code previous}, which takes the id from it).
     */
    public CompletionStage<String> giveBack(String clientId, String previous, long epoch) {
        return owners.submitToKey(clientId, new OwnerUpdate(OwnerUpdate.GIVE_BACK, self, previous, epoch));
    }

    /** The owner now and its epoch (node null: none). */
    public CompletionStage<Owner> ownerOf(String clientId) {
        return owners.getAsync(clientId).thenApply(Owner::parse);
    }

    /** The owner now and its epoch (node null: none). Blocks: not on an event loop. */
    public Owner owner(String clientId) {
        return Owner.parse(owners.get(clientId));
    }

}
