package io.oncemq.broker.session;

import io.oncemq.broker.auth.TopicAccess;
import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.InboundFlow;
import io.oncemq.broker.qos.OutboundFlow;
import io.oncemq.broker.topic.SharedGroup;
import io.oncemq.broker.topic.Subscription;
import io.oncemq.broker.topic.Topics;
import io.oncemq.journal.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state MQTT keeps for one client id: subscriptions, the outbound queue and window, held inbound
 * QoS 2 receipts. Owned by one event loop ({@link #loop()}) and changed only there (STYLE rule 1);
 * other threads hand it work with {@link #run}.
 */
public final class Session {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final String clientId;
    private volatile JournalBatcher loop;
    private volatile boolean persistent;
    private long expirySeconds;
    private volatile boolean ended;
    private Object connection;
    private volatile Outlet outlet;
    private volatile String movedTo;
    private long expiryTimer = -1;
    private WillMessage will;
    private boolean willJournaled;
    private Runnable pendingWill;
    private long willTimer = -1;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final OutboundFlow outbound;
    private final InboundFlow inbound = new InboundFlow();
    /** Read by routing on any loop; unrestricted until a login (a restored session keeps what it subscribed). */
    private volatile TopicAccess access = TopicAccess.UNRESTRICTED;

    public Session(String clientId, JournalBatcher loop, int maxInflight) {
        this.clientId = clientId;
        this.loop = loop;
        this.outbound = new OutboundFlow(this, maxInflight);
    }

    public String clientId() {
        return clientId;
    }

    /** What the client of the latest connection may read and write. */
    public TopicAccess access() {
        return access;
    }

    public void access(TopicAccess a) {
        access = a;
    }

    public JournalBatcher loop() {
        return loop;
    }

    /** Moves ownership to another loop; called last by the current owner, so the new one sees its writes. */
    public void moveTo(JournalBatcher newLoop) {
        this.loop = newLoop;
    }

    /** Runs the task on the owning loop: now if already there, else as soon as that loop gets to it. */
    public void run(Runnable task) {
        JournalBatcher l = loop;
        if (l.inLoop()) {
            task.run();
            return;
        }
        l.context().runOnContext(v -> {
            if (loop != l) {
                run(task); // ownership moved while the task travelled
            } else {
                task.run();
            }
        });
    }

    /** Kept across connections and restarts (3.1.1 clean session 0, or 5.0 session expiry > 0). */
    public boolean persistent() {
        return persistent;
    }

    public long expirySeconds() {
        return expirySeconds;
    }

    public void persistence(boolean persistent, long expirySeconds) {
        this.persistent = persistent;
        this.expirySeconds = expirySeconds;
    }

    public boolean ended() {
        return ended;
    }

    public void markEnded() {
        ended = true;
    }

    /** The connection that owns the session now, or null when the client is away. */
    public Object connection() {
        return connection;
    }

    public void connection(Object connection) {
        this.connection = connection;
    }

    /** Where packets go; null until the connection has sent CONNACK and while the client is away. */
    public Outlet outlet() {
        return outlet;
    }

    public void outlet(Outlet outlet) {
        this.outlet = outlet;
    }

    /**
     * The node this session moved to, or null: it is ended here, kept only for a short while so that
     * messages still routed to it here are relayed there.
     */
    public String movedTo() {
        return movedTo;
    }

    public void movedTo(String node) {
        movedTo = node;
    }

    public long expiryTimer() {
        return expiryTimer;
    }

    public void expiryTimer(long timerId) {
        this.expiryTimer = timerId;
    }

    /**
     * The will of the connection that now holds the session, or null; a kept session journals it, so a
     * restart still publishes it (replacing or clearing the one an earlier connection left).
     */
    public void will(WillMessage w) {
        will = w;
        if (persistent && w != null) {
            loop.record(w.toRecord(clientId));
            willJournaled = true;
        } else {
            clearJournaledWill();
        }
    }

    /** The will a kept session held when the node stopped, as the journal had it. */
    public void restoreWill(WillMessage w) {
        will = w;
        willJournaled = true;
    }

    /** A normal DISCONNECT: the will is deleted without being published (MQTT-3.1.2-10, -3.14.4-3). */
    public void discardWill() {
        will = null;
        clearJournaledWill();
    }

    private void clearJournaledWill() {
        if (willJournaled) {
            loop.record(new Record.WillCleared(clientId));
            willJournaled = false;
        }
    }

    /**
     * The connection ended without a normal DISCONNECT, or the node restarted while it was open: the will
     * goes now, or after its Will Delay Interval (at most the session's expiry) if the session is kept and
     * no connection resumes it first (MQTT-3.1.3-9).
     */
    public void willDue(PostOffice postOffice) {
        WillMessage w = will;
        if (w == null) {
            return;
        }
        if (w.delaySeconds() == 0 || !persistent) {
            sendWill(postOffice, w);
        } else {
            delayWill(Math.min(w.delaySeconds(), expirySeconds), () -> sendWill(postOffice, w));
        }
    }

    private void sendWill(PostOffice postOffice, WillMessage w) {
        if (will != w) {
            return; // replaced by a newer connection's will
        }
        will = null;
        clearJournaledWill();
        Message m = w.toMessage(postOffice.nextMessageId(), System.currentTimeMillis());
        List<PostOffice.Target> targets = postOffice.route(m, clientId, loop, List.of()).targets();
        loop.then(() -> postOffice.dispatch(m, targets));
        log.info("client {}: will published on {}", clientId, m.topic());
    }

    /** A will waiting for its delay; dropped if a connection resumes the session first. */
    private void delayWill(long seconds, Runnable publish) {
        pendingWill = publish;
        willTimer = loop.context().owner().setTimer(seconds * 1000, id -> run(() -> {
            if (willTimer == id) {
                firePendingWill();
            }
        }));
    }

    /** The session was resumed: a delayed will is not sent (MQTT-3.1.3-9). */
    public void cancelPendingWill() {
        if (willTimer >= 0) {
            loop.context().owner().cancelTimer(willTimer);
        }
        willTimer = -1;
        pendingWill = null;
    }

    /** Publishes a delayed will now (its delay passed, or the session ends). */
    public void firePendingWill() {
        Runnable w = pendingWill;
        cancelPendingWill();
        if (w != null) {
            w.run();
        }
    }

    public Map<String, Subscription> subscriptions() {
        return subscriptions;
    }

    /** The identifiers of this session's subscriptions that match the topic (MQTT-3.3.4-3). */
    public List<Integer> subscriptionIdentifiers(String topic) {
        List<Integer> ids = List.of();
        for (Map.Entry<String, Subscription> e : subscriptions.entrySet()) {
            int id = e.getValue().identifier();
            if (id == 0) {
                continue; // most subscriptions have none: no parsing or matching per message for them
            }
            String[] shared = SharedGroup.parse(e.getKey());
            if (Topics.matches(shared == null ? e.getKey() : shared[1], topic)) {
                if (ids.isEmpty()) {
                    ids = new ArrayList<>(1);
                }
                ids.add(id);
            }
        }
        return ids;
    }

    public OutboundFlow outbound() {
        return outbound;
    }

    public InboundFlow inbound() {
        return inbound;
    }

    @Override
    public String toString() {
        return "Session[" + clientId + "]";
    }
}
