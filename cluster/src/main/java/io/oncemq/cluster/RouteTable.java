package io.oncemq.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which node has subscribers for which topic filter, cluster-wide: one Hazelcast map entry per (node,
 * filter), written by that node when its first session subscribes to the filter and deleted when its
 * last one leaves. Every node mirrors all entries into its {@link Listener} and matches topics locally,
 * so a PUBLISH costs no cluster look-up and goes only to nodes with subscribers.
 */
public final class RouteTable {

    /** Sees every (node, filter) route of the cluster come and go, this node's own included. */
    public interface Listener {
        void added(String node, String filter);

        void removed(String node, String filter);
    }

    private static final String MAP = "oncemq.routes";
    private static final char SEPARATOR = '\u0000';

    private final IMap<String, String> routes;
    private final String self;
    private final Listener listener;
    /** This node's filters and how many of its sessions hold each; guarded by itself. */
    private final Map<String, Integer> own = new HashMap<>();

    private RouteTable(IMap<String, String> routes, String self, Listener listener) {
        this.routes = routes;
        this.self = self;
        this.listener = listener;
    }

    /**
     * Mirrors the cluster's routes into {@code listener} from now on, then drops the routes an earlier run
     * of this node left (its sessions announce theirs again as they are restored). Blocks: not on an event loop.
     */
    public static RouteTable open(Membership membership, Listener listener) {
        IMap<String, String> map = membership.hazelcast().getMap(MAP);
        RouteTable table = new RouteTable(map, membership.nodeName(), listener);
        // listen first, then read: an entry written in between is seen twice, which adding to a set allows
        map.addEntryListener(new Mirror(listener), false);
        table.readOthers(true);
        return table;
    }

    private void readOthers(boolean dropOwn) {
        for (String key : routes.keySet()) {
            int sep = key.indexOf(SEPARATOR);
            String node = key.substring(0, sep);
            if (!node.equals(self)) {
                listener.added(node, key.substring(sep + 1));
            } else if (dropOwn) {
                routes.delete(key);
            }
        }
    }

    /** Cold start: mirrors every other node's routes in the map now, without waiting for their events. Blocks. */
    public void readOthers() {
        readOthers(false);
    }

    /** Cold start: makes sure this node's routes are in the map (announced asynchronously so far). Blocks; before connections are served. */
    public void writeOwn() {
        List<String> filters;
        synchronized (own) {
            filters = List.copyOf(own.keySet());
        }
        for (String filter : filters) {
            routes.set(self + SEPARATOR + filter, filter);
        }
    }

    /** One more session of this node subscribes to the filter. */
    public void add(String filter) {
        synchronized (own) {
            if (own.merge(filter, 1, Integer::sum) == 1) {
                // in order per key: both run on the key's partition thread in the order given here
                routes.setAsync(self + SEPARATOR + filter, filter);
            }
        }
    }

    /** One session of this node no longer subscribes to the filter. */
    public void remove(String filter) {
        synchronized (own) {
            Integer n = own.get(filter);
            if (n == null) {
                return;
            }
            if (n > 1) {
                own.put(filter, n - 1);
            } else {
                own.remove(filter);
                routes.deleteAsync(self + SEPARATOR + filter);
            }
        }
    }

    /** Deletes the routes of a node that died: its sessions announce theirs again from the node that adopted them. Blocks. */
    public void dropNode(String node) {
        for (String key : routes.keySet()) {
            if (key.startsWith(node + SEPARATOR)) {
                routes.delete(key);
            }
        }
    }

    private record Mirror(Listener listener) implements EntryAddedListener<String, String>, EntryRemovedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            int sep = e.getKey().indexOf(SEPARATOR);
            listener.added(e.getKey().substring(0, sep), e.getKey().substring(sep + 1));
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            int sep = e.getKey().indexOf(SEPARATOR);
            listener.removed(e.getKey().substring(0, sep), e.getKey().substring(sep + 1));
        }
    }
}
