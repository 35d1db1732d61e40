package io.oncemq.broker;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.session.WillMessage;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.journal.JournalState;
import io.oncemq.journal.Record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Rebuilds sessions, retained messages and held receipts from the replayed journal state. */
final class Recovery {

    private final PostOffice postOffice;
    private final SessionRegistry sessions;
    private final JournalBatcher home;

    Recovery(PostOffice postOffice, SessionRegistry sessions, JournalBatcher home) {
        this.postOffice = postOffice;
        this.sessions = sessions;
        this.home = home;
    }

    /** Sessions restored with a will, which is due once routing resumes. */
    private final List<Session> withWill = new ArrayList<>();
    /** The replayed messages, one object per id for queues and routing alike. */
    private final Map<Long, Message> messages = new HashMap<>();

    /**
     * Runs on the home loop, before the listeners open: sessions (their routes announced) and retained messages.
     * Returns the number of sessions restored. Then {@link #resume}.
     */
    int restore(JournalState state) {
        state.messages().forEach((id, r) -> messages.put(id, Message.of(r)));
        state.retained().forEach((topic, id) -> {
            Message m = messages.get(id);
            if (m != null) {
                postOffice.retained().set(m);
            }
        });
        for (JournalState.SessionState ss : state.sessions().values()) {
            Session s = sessions.restore(ss.clientId(), home);
            s.persistence(true, ss.expirySeconds());
            ss.subscriptions().forEach((filter, r) -> {
                Subscription sub = new Subscription(r.options(), r.identifier());
                s.subscriptions().put(filter, sub);
                postOffice.subscribe(s, filter, sub);
            });
            ss.queue().forEach((id, qos) -> {
                Message m = messages.get(id);
                if (m != null) {
                    s.outbound().restoreQueued(Delivery.fromJournal(m, qos));
                }
            });
            ss.inflight().forEach((packetId, f) -> {
                Message m = messages.get(f.messageId());
                if (m != null) {
                    s.outbound().restoreInflight(packetId, Delivery.fromJournal(m, f.qos()), f.pubrecReceived());
                }
            });
            ss.receipts().forEach((packetId, id) -> s.inbound().hold(packetId, id));
            if (ss.will() != null) {
                s.restoreWill(WillMessage.of(ss.will()));
                withWill.add(s);
            }
            sessions.scheduleExpiry(s);
        }
        return state.sessions().size();
    }

    /**
     * Runs on the home loop after {@link #restore}, once the routes of other nodes are known (in a cluster's cold
     * start, every node's): routes what was not routed, and publishes the wills.
     */
    void resume(JournalState state) {
        routeUnrouted(state, messages);
        // the connections of kept sessions ended with the node: their wills are due as after any broken connection
        withWill.forEach(s -> s.willDue(postOffice));
        withWill.clear();
        messages.clear();
    }

    /**
     * E3: a receipt recorded but not routed (or not yet forwarded to every node) before the crash is routed
     * and forwarded now; sessions that have it and nodes that accepted it ignore it.
     */
    private void routeUnrouted(JournalState state, Map<Long, Message> messages) {
        for (long id : state.unroutedMessages()) {
            Message stored = messages.get(id);
            if (stored == null) {
                continue;
            }
            // the retained store was restored on its own: routing again must not change it
            Message m = stored.withRetain(false);
            PostOffice.Routing routing = postOffice.route(m, null, home, List.of());
            if (!routing.forwarded()) {
                home.record(new Record.Routed(id));
            }
            home.then(() -> {
                if (routing.forwarded()) {
                    home.record(new Record.Routed(id));
                }
                postOffice.dispatch(m, routing.targets());
            });
        }
    }

}
